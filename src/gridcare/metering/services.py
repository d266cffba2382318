"""Writes for metering: importing register readings and interval data (files or API payloads), correcting one.

An import validates every row (see `importing.py`) and inserts the valid ones in bulk (COPY on PostgreSQL)
in one transaction that holds its meters (so concurrent imports of one meter validate against each other),
and records one `ReadingImport`. The unique keys (meter, read_on) and (meter, start) make a re-run of the
same file insert nothing twice; a crash half way leaves nothing of the file behind.
"""

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from gridcare.core.audit import audit_record, model_snapshot
from gridcare.core.formatting import local_date
from gridcare.core.models import AuditEntry
from gridcare.core.spreadsheets import SPREADSHEET_MAX_ROWS, safe_row
from gridcare.customers.models import Account
from gridcare.metering import selectors
from gridcare.metering.importing import (
    INTERVAL_CEILING_WH,
    INTERVAL_SECONDS,
    JUMP_FLOOR_KWH_PER_DAY,
    REGISTER_OPTIONAL,
    History,
    ImportFileError,
    ImportLimits,
    RowError,
    Table,
    accounts_on,
    check_import_size,
    daily_limits,
    day_from_number,
    day_number,
    first_duplicates,
    forward_check,
    parse_days,
    parse_kwh_to_wh,
    parse_moments,
    parse_whole_numbers,
    resolve_serials,
    sequence_check,
    step_check,
    table_from_file,
    table_from_records,
)
from gridcare.metering.models import IntervalReading, Meter, Reading, ReadingImport
from gridcare.metering.readingwrites import Column, insert_columns
from gridcare.metering.signals import readings_recorded
from gridcare.org import policy

HISTORY_DAYS = 400
MAX_STORED_ERRORS = 1000
# New readings may close a monthly period: consumption alerts look at periods read in the last 40 days.
ALERT_LOOKBACK_DAYS = 40
Progress = Callable[[str], None]  # receives one line of progress, in the active language
_COLUMN_ORDER = {"": 0, "meter_serial": 1, "read_on": 2, "start": 2, "total_kwh": 3, "energy_kwh": 3, "peak_kwh": 4, "normal_kwh": 5, "offpeak_kwh": 6}


@dataclass
class ImportOutcome:
    """What one import did: counts, row errors (sorted by row), and where the error report is."""

    reading_import: ReadingImport
    kind: str
    rows_total: int
    inserted: int
    already_present: int
    rejected: int
    rollovers: int
    errors: list[RowError] = field(default_factory=list)
    report_path: Path | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.rejected else 0

    def summary(self) -> str:
        """One line, in the active language: the counts and where the error report is."""
        text = _("Đã nhập %(inserted)d dòng mới, %(present)d dòng đã có, %(rejected)d dòng lỗi") % {
            "inserted": self.inserted, "present": self.already_present, "rejected": self.rejected,
        }  # fmt: skip
        if self.rollovers:
            text += _(", trong đó %(count)d dòng chỉ số quay vòng qua 0") % {"count": self.rollovers}
        if self.report_path is not None:
            text += _(" (xem %(report)s)") % {"report": self.report_path.name}
        return text

    def as_dict(self) -> dict:
        return {
            "import_id": self.reading_import.pk, "kind": self.kind, "status": self.reading_import.status,
            "rows_total": self.rows_total, "inserted": self.inserted, "already_present": self.already_present,
            "rejected": self.rejected, "rollovers": self.rollovers, "summary": self.summary(),
            "errors": [e.as_dict() for e in self.errors[:MAX_STORED_ERRORS]],
        }  # fmt: skip


def reading_import_file(
    *, path: Path, now: dt.datetime, source: str = Reading.Source.IMPORT, progress: Progress | None = None
) -> ImportOutcome:
    """Import a CSV/XLSX readings file and write `<file>.errors.csv` next to it when rows were rejected."""
    path = Path(path)
    try:
        # The cap is checked before the file is read into memory (a device may write a runaway file).
        check_import_size(size=path.stat().st_size, limits=ImportLimits.from_settings())
        content = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(_("Không đọc được tệp %(path)s: %(error)s") % {"path": path, "error": exc.strerror}) from exc
    table, errors = table_from_file(content=content, filename=path.name)
    if progress:
        progress(_("Đã đọc %(rows)d dòng, đang kiểm tra…") % {"rows": len(table) + len(errors)})
    outcome = _import_table(
        table=table, errors=errors, sha256=hashlib.sha256(content).hexdigest(), label=str(path), source=source, now=now,
        progress=progress,
    )  # fmt: skip
    report = path.with_name(path.name + ".errors.csv")
    if outcome.errors:
        report.write_bytes(error_report_csv(errors=outcome.errors))
        outcome.report_path = report
        ReadingImport.objects.filter(pk=outcome.reading_import.pk).update(report_path=str(report))
    elif report.exists():
        report.unlink()  # a stale report from an earlier run would now be wrong
    return outcome


def reading_import_upload(
    *, content: bytes, filename: str, now: dt.datetime, source: str = Reading.Source.HEAD_END, label: str = "",
    user: Any = None,
) -> ImportOutcome:
    """Import an uploaded CSV/XLSX file; the row errors are returned rather than written to disk.

    With a `user` (a person, through the API), only rows for meters installed at accounts of their units are
    taken; the others are row errors (`_import_table`). Without one, the system imports for every unit.
    """
    table, errors = table_from_file(content=content, filename=filename)
    return _import_table(
        table=table, errors=errors, sha256=hashlib.sha256(content).hexdigest(), label=label or filename, source=source,
        now=now, user=user,
    )  # fmt: skip


def reading_import_records(
    *, records: list[dict], now: dt.datetime, source: str = Reading.Source.HEAD_END, label: str = "api",
    user: Any = None,
) -> ImportOutcome:
    """Import readings given as JSON objects with the file's column names (limited to `user`'s units, if any)."""
    table, errors = table_from_records(records)
    digest = hashlib.sha256(repr(records).encode()).hexdigest()
    return _import_table(table=table, errors=errors, sha256=digest, label=label, source=source, now=now, user=user)


def error_report_csv(*, errors: list[RowError], max_rows: int = SPREADSHEET_MAX_ROWS) -> bytes:
    """The rejected values as CSV, UTF-8 with a BOM so that Excel shows Vietnamese correctly.

    Safe to open in a spreadsheet: a rejected value such as `=cmd|...` is written as text (`safe_cell`),
    and a report longer than one sheet (`max_rows` rows, header included) ends with a line that says how
    many more errors there were instead of being cut silently by the spreadsheet.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_("Dòng"), _("Cột"), _("Giá trị"), _("Lý do"), "Reason"])
    shown = errors if len(errors) <= max_rows - 1 else errors[: max_rows - 2]
    writer.writerows(safe_row([e.row, e.column, e.value, e.reason, e.reason_en]) for e in shown)
    if len(shown) < len(errors):
        more = len(errors) - len(shown)
        writer.writerow([
            "…", "", "",
            _("Còn %(count)d lỗi nữa không ghi ở đây: một trang bảng tính chỉ có %(rows)d dòng.") % {"count": more, "rows": max_rows},
            f"{more} more errors not listed: a spreadsheet holds only {max_rows} rows.",
        ])  # fmt: skip
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _units_check(
    *, table: Table, errors: list[RowError], ok: np.ndarray, account: np.ndarray, unit_ids: list[int] | None
) -> np.ndarray:
    """Rows whose account (at the row's date) is outside `unit_ids` become row errors; the others stay `ok`.

    Checked before any comparison with stored readings, so a refused row never reveals another unit's values.
    """
    if unit_ids is None or not ok.any():
        return ok
    allowed = set(Account.objects.filter(pk__in=sorted(set(account[ok].tolist())), unit__in=unit_ids).values_list("pk", flat=True))
    inside = np.isin(account, np.fromiter(allowed, dtype=account.dtype, count=len(allowed)))
    for i in np.flatnonzero(ok & ~inside).tolist():
        errors.append(RowError(
            int(table.row_numbers[i]), "meter_serial", table.columns["meter_serial"][i],
            _("Công tơ này không thuộc khách hàng của đơn vị bạn: bạn chỉ nhập được chỉ số cho đơn vị mình."),
            "This meter is not at an account of your units: you may only import readings for your units.",
        ))  # fmt: skip
    return ok & inside


def _import_table(
    *, table: Table, errors: list[RowError], sha256: str, label: str, source: str, now: dt.datetime,
    progress: Progress | None = None, user: Any = None,
) -> ImportOutcome:
    # A person's import is limited to their units and belongs to their unit; the system's to no unit.
    # None: no unit limit (the system, a superuser); [] (staff without a unit) refuses every row.
    unit_ids = None if user is None else policy.visible_unit_ids(user=user)
    unit = None if user is None else policy.unit_of(user)
    reading_import = ReadingImport.objects.create(
        kind=table.kind, source=label[:200], sha256=sha256, started_at=now, rows_total=len(table) + len(errors),
        unit=unit,
    )
    try:
        # Validation and insert in one transaction, with the file's meters locked (see `_lock_meters`): two
        # imports touching one meter validate in turn, each against what the other stored.
        with transaction.atomic():
            if table.kind == ReadingImport.Kind.REGISTER:
                inserted, present, rollovers = _import_register(
                    table=table, errors=errors, now=now, source=source, reading_import=reading_import, progress=progress,
                    unit_ids=unit_ids,
                )
            else:
                inserted, present, rollovers = _import_interval(
                    table=table, errors=errors, now=now, reading_import=reading_import, progress=progress,
                    unit_ids=unit_ids,
                )
    except Exception:
        ReadingImport.objects.filter(pk=reading_import.pk).update(status=ReadingImport.Status.FAILED)
        raise
    errors.sort(key=lambda e: (e.row, _COLUMN_ORDER.get(e.column, 9)))
    rejected = len({e.row for e in errors})
    reading_import.status = ReadingImport.Status.DONE_WITH_ERRORS if rejected else ReadingImport.Status.DONE
    reading_import.finished_at = now
    reading_import.rows_inserted = inserted
    reading_import.rows_already_present = present
    reading_import.rows_rejected = rejected
    reading_import.errors = [e.as_dict() for e in errors[:MAX_STORED_ERRORS]]
    reading_import.save()
    if inserted and table.kind == ReadingImport.Kind.REGISTER:
        since = local_date(now) - dt.timedelta(days=ALERT_LOOKBACK_DAYS)
        transaction.on_commit(lambda: readings_recorded.send(sender=ReadingImport, since=since, now=now))
    return ImportOutcome(
        reading_import=reading_import, kind=table.kind, rows_total=reading_import.rows_total, inserted=inserted,
        already_present=present, rejected=rejected, rollovers=rollovers, errors=errors,
    )  # fmt: skip


def _lock_meters(*, meter_ids: list[int]) -> None:
    """Hold the meters until the transaction ends, so that no other import of them validates meanwhile.

    PostgreSQL: row locks on the meters (one statement, any number of meters; advisory locks would fill the
    shared lock table on a large file). SQLite: the transaction began IMMEDIATE, so it holds the database's
    single write lock already.
    """
    if connection.vendor == "postgresql" and meter_ids:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {Meter._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR UPDATE",  # noqa: S608
                [meter_ids],
            )


def _register_conflicts(
    *, table: Table, errors: list[RowError], rows_in: np.ndarray, meter: np.ndarray, day: np.ndarray,
    total: np.ndarray, registers: dict[str, np.ndarray], reading_import: ReadingImport,
) -> int:
    """Rows the insert skipped because their (meter, date) was stored meanwhile: a different value is a conflict.

    Returns how many of them hold the same values (already present). Reached only when a writer that does not
    take the meter locks stored the reading between validation and insert.
    """
    skipped = Reading.objects.filter(meter_id__in=sorted(set(meter[rows_in].tolist()))).exclude(
        reading_import_id=reading_import.pk
    ).filter(read_on__in=sorted({day_from_number(d) for d in day[rows_in].tolist()}))
    stored = {
        (m, d): (t, p, n, o)
        for m, d, t, p, n, o in skipped.values_list("meter_id", "read_on", "total", "peak", "normal", "offpeak")
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


def _insert(
    *, table: str, columns: list[Column], rows: int, conflict_columns: tuple[str, ...], progress: Progress | None = None
) -> int:
    """The valid rows into `table` (`readingwrites`); returns how many were new."""
    return insert_columns(table=table, columns=columns, rows=rows, conflict_columns=conflict_columns, progress=progress)


def _import_register(
    *, table: Table, errors: list[RowError], now: dt.datetime, source: str, reading_import: ReadingImport,
    progress: Progress | None = None, unit_ids: list[int] | None = None,
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
    ok = _units_check(table=table, errors=errors, ok=ok, account=account, unit_ids=unit_ids)
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
    _lock_meters(meter_ids=meter_ids)
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
    in_db = ok & (at < len(sorted_key)) & (sorted_key[at_safe] == key) if len(sorted_key) else np.zeros(len(key), dtype=bool)
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
    inserted = _insert(
        table=Reading._meta.db_table, columns=columns, rows=n, conflict_columns=("meter_id", "read_on"), progress=progress,
    )
    present = int(same.sum())
    if inserted < len(rows_in):
        present += _register_conflicts(
            table=table, errors=errors, rows_in=rows_in, meter=meter, day=day, total=total, registers=registers,
            reading_import=reading_import,
        )  # fmt: skip
    return inserted, present, int(rollover[rows_in].sum())


def _import_interval(
    *, table: Table, errors: list[RowError], now: dt.datetime, reading_import: ReadingImport,
    progress: Progress | None = None, unit_ids: list[int] | None = None,
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
    ok = _units_check(table=table, errors=errors, ok=ok, account=interval_account, unit_ids=unit_ids)
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
    _lock_meters(meter_ids=sorted(set(meter[ok].tolist())))
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
    inserted = _insert(
        table=IntervalReading._meta.db_table, columns=columns, rows=len(rows_in), conflict_columns=("meter_id", "start"),
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


# --- correcting one reading ----------------------------------------------------------------------------

REGISTER_FIELDS = ("peak", "normal", "offpeak")


def _neighbours(*, reading: Reading, digits: int) -> tuple[tuple[int, int] | None, Reading | None, float]:
    """(previous (total, day) or installation baseline, next reading, plausible daily use) around `reading`."""
    day = day_number(reading.read_on)
    history, recorded = selectors.reading_history(
        meter_ids=[reading.meter_id], since_day=day - HISTORY_DAYS, until_day=day + HISTORY_DAYS,
        digits={reading.meter_id: digits},
    )  # fmt: skip
    is_reading = np.arange(len(history.meter)) < recorded
    others = ~(is_reading & (history.day == day))
    limits = daily_limits(History(**{
        name: getattr(history, name)[others]
        for name in ("meter", "account", "day", "total", "peak", "normal", "offpeak", "rollover")
    }, digits_by_meter=history.digits_by_meter), {reading.meter_id: digits})  # fmt: skip
    before = others & (history.day < day)
    previous = None
    if before.any():
        at = np.flatnonzero(before)[np.argmax(history.day[before])]
        previous = (int(history.total[at]), int(history.day[at]))
    following = (
        Reading.objects.filter(meter_id=reading.meter_id, read_on__gt=reading.read_on).order_by("read_on", "pk").first()
    )
    return previous, following, limits.get(reading.account_id, JUMP_FLOOR_KWH_PER_DAY)


def reading_correct(
    *, reading: Reading, total: int, peak: int | None = None, normal: int | None = None, offpeak: int | None = None,
    reason: str, user, now: dt.datetime,
) -> Reading:
    """Correct a reading's index after the import's checks (register size, order, plausibility); audit why."""
    account_unit = Reading.objects.filter(pk=reading.pk).values_list("account__unit_id", flat=True).first()
    policy.require(user=user, action="metering.correct_reading", unit_id=account_unit)
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Cần ghi lý do sửa chỉ số.")]
    values = {"total": total, "peak": peak, "normal": normal, "offpeak": offpeak}
    for name, value in values.items():
        if value is not None and value < 0:
            errors[name] = [_("Giá trị âm.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        reading = Reading.objects.select_related("account", "meter").get(pk=reading.pk)
        _lock_meters(meter_ids=[reading.meter_id])
        digits = reading.meter.register_digits
        if total >= 10**digits:
            raise ValidationError({"total": [
                _("Chỉ số dài hơn thanh ghi %(digits)d chữ số của công tơ.") % {"digits": digits}
            ]})  # fmt: skip
        previous, following, limit = _neighbours(reading=reading, digits=digits)
        day = day_number(reading.read_on)
        rollover = False
        if previous is not None:
            ok, rollover, vi, _en = step_check(
                previous=previous[0], previous_day=previous[1], total=total, day=day, digits=digits, limit=limit
            )
            if not ok:
                raise ValidationError({"total": [vi]})
        following_rollover = None
        if following is not None:
            ok, following_rollover, _vi, _en = step_check(
                previous=total, previous_day=day, total=following.total, day=day_number(following.read_on),
                digits=digits, limit=limit,
            )  # fmt: skip
            if not ok:
                raise ValidationError({"total": [
                    _("Không khớp với chỉ số ghi sau đó %(next)d ngày %(date)s.")
                    % {"next": following.total, "date": following.read_on.strftime("%d/%m/%Y")}
                ]})  # fmt: skip
        before = model_snapshot(instance=reading)
        for name, value in values.items():
            setattr(reading, name, value)
        reading.rollover = rollover
        if before == model_snapshot(instance=reading):
            return reading
        reading.save(update_fields=[*values, "rollover"])
        after = model_snapshot(instance=reading)
        if following is not None and following.rollover != following_rollover:
            Reading.objects.filter(pk=following.pk).update(rollover=following_rollover)
            before["next_reading_rollover"], after["next_reading_rollover"] = following.rollover, following_rollover
        audit_record(
            action=AuditEntry.Action.UPDATE, object_type=Reading._meta.label_lower, object_id=reading.pk,
            before=before, after=after, user=user, reason=reason, now=now,
        )  # fmt: skip
    return reading
