"""The 30-minute interval import's validation and write, after the file is decoded (`services._import_table`)."""

import datetime as dt
from collections.abc import Callable

import numpy as np
from django.utils.translation import gettext as _

from gridcare.core.bulk import Column
from gridcare.metering import readingwrites, selectors
from gridcare.metering.importchecks import lock_meters, units_check
from gridcare.metering.importing import (
    INTERVAL_CEILING_WH,
    INTERVAL_SECONDS,
    RowError,
    Table,
    accounts_on,
    first_duplicates,
    parse_kwh_to_wh,
    parse_moments,
    resolve_serials,
)
from gridcare.metering.models import IntervalReading, ReadingImport

Progress = Callable[[str], None]


def import_interval(
    *,
    table: Table,
    errors: list[RowError],
    now: dt.datetime,
    reading_import: ReadingImport,
    progress: Progress | None = None,
    unit_ids: list[int] | None = None,
) -> tuple[int, int, int]:
    meters = selectors.meters_by_serial(serials=set(table.columns["meter_serial"]))
    meter, _digits, ok = resolve_serials(table, meters, errors)
    seconds, start_ok = parse_moments(table, "start", errors, now=now)
    wh, wh_ok = parse_kwh_to_wh(table, "energy_kwh", errors)
    too_high = wh_ok & (wh > INTERVAL_CEILING_WH)
    for i in np.flatnonzero(too_high).tolist():
        errors.append(RowError(
            int(table.row_numbers[i]), "energy_kwh", table.columns["energy_kwh"][i],
            _("Điện năng 30 phút vượt mức hợp lý %(limit)d kWh.") % {"limit": INTERVAL_CEILING_WH // 1000},
            f"30-minute energy above the plausible {INTERVAL_CEILING_WH // 1000} kWh.",
        ))  # fmt: skip
    ok &= start_ok & wh_ok & ~too_high
    local_day = (seconds + 7 * 3600) // 86400  # Asia/Ho_Chi_Minh is UTC+7 all year
    installations = selectors.installations_for_meters(meter_ids=sorted(set(meter[meter > 0].tolist())))
    interval_account, installed = accounts_on(installations, meter=meter, day=local_day)
    for i in np.flatnonzero(ok & ~installed).tolist():
        errors.append(RowError(
            int(table.row_numbers[i]), "start", table.columns["start"][i],
            _("Công tơ không lắp cho khách hàng nào vào thời điểm này."), "The meter was not installed at any account at that time.",
        ))  # fmt: skip
    ok &= installed
    ok = units_check(table=table, errors=errors, ok=ok, account=interval_account, unit_ids=unit_ids)
    key = meter * 100_000_000 + seconds // INTERVAL_SECONDS
    duplicate, first = first_duplicates(table, key, ok)
    for i in np.flatnonzero(duplicate).tolist():
        errors.append(RowError(
            int(table.row_numbers[i]), "start", table.columns["start"][i],
            _("Trùng công tơ và thời điểm với dòng %(row)d.") % {"row": int(table.row_numbers[first[i]])},
            f"Same meter and start as row {int(table.row_numbers[first[i]])}.",
        ))  # fmt: skip
    ok &= ~duplicate
    if not ok.any():
        return 0, 0, 0
    lock_meters(meter_ids=sorted(set(meter[ok].tolist())))
    recorded = selectors.interval_history(
        meter_ids=sorted(set(meter[ok].tolist())),
        since=dt.datetime.fromtimestamp(int(seconds[ok].min()), tz=dt.UTC),
        until=dt.datetime.fromtimestamp(int(seconds[ok].max()), tz=dt.UTC),
    )
    present = 0
    for i in np.flatnonzero(ok).tolist():
        existing = recorded.get((int(meter[i]), int(seconds[i])))
        if existing is None:
            continue
        ok[i] = False
        if existing == wh[i]:
            present += 1
        else:
            errors.append(RowError(
                int(table.row_numbers[i]), "energy_kwh", table.columns["energy_kwh"][i],
                _("Khác với giá trị đã ghi cho khoảng này (%(kwh)s kWh).") % {"kwh": f"{existing / 1000:g}"},
                f"Conflicts with the value already recorded for this interval ({existing / 1000:g} kWh).",
            ))  # fmt: skip
    rows_in = np.flatnonzero(ok)
    columns = [
        Column("meter_id", "int8", meter[rows_in]), Column("start", "timestamptz", seconds[rows_in]),
        Column("energy_wh", "int8", wh[rows_in]),
        Column("reading_import_id", "int8", np.full(len(rows_in), reading_import.pk, dtype=np.int64)),
    ]  # fmt: skip
    rows = range(len(rows_in))
    inserted = readingwrites.insert_columns(
        table=IntervalReading._meta.db_table,
        columns=columns,
        rows=len(rows_in),
        conflict_columns=("meter_id", "start"),
        progress=progress,
    )
    if inserted < len(rows):  # stored meanwhile by a writer that takes no meter lock: same value or conflict
        stored = selectors.interval_history(
            meter_ids=sorted(set(meter[rows_in].tolist())),
            since=dt.datetime.fromtimestamp(int(seconds[rows_in].min()), tz=dt.UTC),
            until=dt.datetime.fromtimestamp(int(seconds[rows_in].max()), tz=dt.UTC),
        )
        for i in rows_in.tolist():
            existing = stored.get((int(meter[i]), int(seconds[i])))
            if existing is None or existing == wh[i]:
                continue  # inserted by this import, or the same value
            errors.append(RowError(
                int(table.row_numbers[i]), "energy_kwh", table.columns["energy_kwh"][i],
                _("Xung đột: trong lúc nhập, một lần nhập khác đã ghi giá trị khác cho khoảng này (%(kwh)s kWh).")
                % {"kwh": f"{existing / 1000:g}"},
                f"Conflict: while this import ran, another one recorded a different value for this interval "
                f"({existing / 1000:g} kWh).",
            ))  # fmt: skip
            present -= 1
    return inserted, present + len(rows) - inserted, 0
