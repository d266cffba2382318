"""The register-reading import's validation and write, after the file is decoded (`services._import_table`).

Every row is checked set-based (`readingrules`): the meter, the date, the digits, the installation at that date,
the user's units, duplicates in the file, values already stored, and the sequence against the meter's history;
the valid rows are written as whole columns (`readingwrites.insert_columns`).
"""

import datetime as dt
from collections.abc import Callable

import numpy as np
from django.utils.translation import gettext as _

from gridcare.core.bulk import Column
from gridcare.core.formatting import local_date
from gridcare.metering import readingwrites, selectors
from gridcare.metering.importchecks import lock_meters, units_check
from gridcare.metering.importing import (
    REGISTER_OPTIONAL,
    RowError,
    Table,
    accounts_on,
    daily_limits,
    day_from_number,
    first_duplicates,
    forward_check,
    parse_days,
    parse_whole_numbers,
    resolve_serials,
    sequence_check,
)
from gridcare.metering.models import Reading, ReadingImport

HISTORY_DAYS = 400
Progress = Callable[[str], None]


def import_register(
    *,
    table: Table,
    errors: list[RowError],
    now: dt.datetime,
    source: str,
    reading_import: ReadingImport,
    progress: Progress | None = None,
    unit_ids: list[int] | None = None,
) -> tuple[int, int, int]:
    today = local_date(now)
    meters = selectors.meters_by_serial(serials=set(table.columns["meter_serial"]))
    meter, digits, ok = resolve_serials(table, meters, errors)
    day, day_ok = parse_days(table, "read_on", errors, today=today)
    total, total_ok, _blank = parse_whole_numbers(table, "total_kwh", errors, required=True)
    ok &= day_ok & total_ok
    too_long = ok & (total >= np.power(10, digits))
    for i in np.flatnonzero(too_long).tolist():
        errors.append(RowError(
            int(table.row_numbers[i]), "total_kwh", table.columns["total_kwh"][i],
            _("Chỉ số dài hơn thanh ghi %(digits)d chữ số của công tơ.") % {"digits": int(digits[i])},
            f"More digits than the meter's {int(digits[i])}-digit register.",
        ))  # fmt: skip
    ok &= ~too_long
    registers = {}
    for column in REGISTER_OPTIONAL:
        if column in table.columns:
            values, value_ok, blank = parse_whole_numbers(table, column, errors, required=False)
            registers[column] = np.where(blank, -1, values)
            ok &= value_ok | blank
    installations = selectors.installations_for_meters(meter_ids=sorted(set(meter[meter > 0].tolist())))
    account, installed = accounts_on(installations, meter=meter, day=day)
    for i in np.flatnonzero(ok & ~installed).tolist():
        errors.append(RowError(
            int(table.row_numbers[i]), "read_on", table.columns["read_on"][i],
            _("Công tơ không lắp cho khách hàng nào vào ngày này."), "The meter was not installed at any account on that date.",
        ))  # fmt: skip
    ok &= installed
    ok = units_check(table=table, errors=errors, ok=ok, account=account, unit_ids=unit_ids)
    key = meter * 1_000_000 + day
    duplicate, first = first_duplicates(table, key, ok)
    for i in np.flatnonzero(duplicate).tolist():
        errors.append(RowError(
            int(table.row_numbers[i]), "read_on", table.columns["read_on"][i],
            _("Trùng công tơ và ngày ghi với dòng %(row)d.") % {"row": int(table.row_numbers[first[i]])},
            f"Same meter and date as row {int(table.row_numbers[first[i]])}.",
        ))  # fmt: skip
    ok &= ~duplicate
    if not ok.any():
        return 0, 0, 0
    meter_ids = sorted(set(meter[ok].tolist()))
    lock_meters(meter_ids=meter_ids)
    digits_by_meter = dict(meters.values())
    history, recorded = selectors.reading_history(
        meter_ids=meter_ids, since_day=int(day[ok].min()) - HISTORY_DAYS, until_day=int(day[ok].max()) + HISTORY_DAYS,
        digits=digits_by_meter,
    )  # fmt: skip
    # Already recorded (meter, date): the same values are not an error, different ones are.
    recorded_key = history.meter[:recorded] * 1_000_000 + history.day[:recorded]
    by_key = np.argsort(recorded_key, kind="stable")
    sorted_key = recorded_key[by_key]
    at = np.searchsorted(sorted_key, key)
    at_safe = np.minimum(at, max(len(sorted_key) - 1, 0))
    in_db = (
        ok & (at < len(sorted_key)) & (sorted_key[at_safe] == key)
        if len(sorted_key)
        else np.zeros(len(key), dtype=bool)
    )
    db_index = by_key[at_safe] if len(sorted_key) else at_safe
    same = in_db & (history.total[db_index] == total)
    db_registers = {"peak_kwh": history.peak, "normal_kwh": history.normal, "offpeak_kwh": history.offpeak}
    for column, values in registers.items():
        same &= (values == -1) | (db_registers[column][db_index] == values)
    for i in np.flatnonzero(in_db & ~same).tolist():
        recorded_total = int(history.total[db_index[i]])
        errors.append(RowError(
            int(table.row_numbers[i]), "total_kwh", table.columns["total_kwh"][i],
            _("Khác với chỉ số đã ghi cho công tơ này ngày này (tổng %(total)d kWh).") % {"total": recorded_total},
            f"Conflicts with the reading already recorded for this meter and date (total {recorded_total} kWh).",
        ))  # fmt: skip
    candidate = ok & ~in_db
    limits = daily_limits(history, digits_by_meter)
    failures = forward_check(
        candidate=candidate, meter=meter, account=account, day=day, total=total, digits=digits,
        history=history, limits=limits,
    )  # fmt: skip
    for i, _vi, _en in failures:
        candidate[i] = False
    accepted, rollover, sequence_failures = sequence_check(
        candidate=candidate, meter=meter, account=account, day=day, total=total, digits=digits,
        history=history, limits=limits,
    )  # fmt: skip
    for i, vi, en in failures + sequence_failures:
        errors.append(RowError(int(table.row_numbers[i]), "total_kwh", table.columns["total_kwh"][i], vi, en))
    rows_in = np.flatnonzero(accepted)
    n = len(rows_in)
    columns = [
        Column("meter_id", "int8", meter[rows_in]), Column("account_id", "int8", account[rows_in]),
        Column("read_on", "date", day[rows_in]), Column("total", "int8", total[rows_in]),
        Column("rollover", "bool", rollover[rows_in]), Column("source", "text", str(source)),
        Column("reading_import_id", "int8", np.full(n, reading_import.pk, dtype=np.int64)),
    ]  # fmt: skip
    for column, register in registers.items():  # absent registers stay NULL without travelling
        values = register[rows_in]
        columns.append(Column(column.removesuffix("_kwh"), "int8", values, null=values < 0))
    inserted = readingwrites.insert_columns(
        table=Reading._meta.db_table,
        columns=columns,
        rows=n,
        conflict_columns=("meter_id", "read_on"),
        progress=progress,
    )
    present = int(same.sum())
    if inserted < len(rows_in):
        present += _register_conflicts(
            table=table, errors=errors, rows_in=rows_in, meter=meter, day=day, total=total, registers=registers,
            reading_import=reading_import,
        )  # fmt: skip
    return inserted, present, int(rollover[rows_in].sum())


def _register_conflicts(
    *,
    table: Table,
    errors: list[RowError],
    rows_in: np.ndarray,
    meter: np.ndarray,
    day: np.ndarray,
    total: np.ndarray,
    registers: dict[str, np.ndarray],
    reading_import: ReadingImport,
) -> int:
    """Rows the insert skipped because their (meter, date) was stored meanwhile: a different value is a conflict.

    Returns how many of them hold the same values (already present). Reached only when a writer that does not
    take the meter locks stored the reading between validation and insert.
    """
    skipped = (
        Reading.objects.filter(meter_id__in=sorted(set(meter[rows_in].tolist())))
        .exclude(reading_import_id=reading_import.pk)
        .filter(read_on__in=sorted({day_from_number(d) for d in day[rows_in].tolist()}))
    )
    stored = {
        (m, d): (t, p, n, o)
        for m, d, t, p, n, o in skipped.values_list(
            "meter_id", "read_on", "total", "peak", "normal", "offpeak"
        )
    }
    same = 0
    for i in rows_in.tolist():
        key = (int(meter[i]), day_from_number(int(day[i])))
        if key not in stored:  # inserted by this import
            continue
        recorded_total, *recorded_registers = stored[key]
        wanted = [None if column not in registers or registers[column][i] < 0 else int(registers[column][i])
                  for column in REGISTER_OPTIONAL]  # fmt: skip
        if recorded_total == int(total[i]) and all(
            w is None or w == r for w, r in zip(wanted, recorded_registers, strict=True)
        ):
            same += 1
            continue
        errors.append(RowError(
            int(table.row_numbers[i]), "total_kwh", table.columns["total_kwh"][i],
            _("Xung đột: trong lúc nhập, một lần nhập khác đã ghi chỉ số khác cho công tơ này ngày này (tổng %(total)d kWh).")
            % {"total": recorded_total},
            f"Conflict: while this import ran, another one recorded a different reading for this meter and date "
            f"(total {recorded_total} kWh).",
        ))  # fmt: skip
    return same
