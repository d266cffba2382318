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

from django.db import transaction
from django.utils.translation import gettext as _

from gridcare.core.formatting import local_date
from gridcare.core.spreadsheets import SPREADSHEET_MAX_ROWS, safe_row
from gridcare.metering.corrections import REGISTER_FIELDS, reading_correct
from gridcare.metering.importing import (
    ImportFileError,
    ImportLimits,
    RowError,
    Table,
    check_import_size,
    table_from_file,
    table_from_records,
)
from gridcare.metering.intervalimport import import_interval
from gridcare.metering.models import Reading, ReadingImport
from gridcare.metering.registerimport import HISTORY_DAYS, import_register
from gridcare.metering.signals import readings_recorded
from gridcare.org import policy

__all__ = [
    "HISTORY_DAYS", "REGISTER_FIELDS", "ImportOutcome", "error_report_csv", "reading_correct", "reading_import_file",
    "reading_import_records", "reading_import_upload",
]  # fmt: skip

MAX_STORED_ERRORS = 1000
# New readings may close a monthly period: consumption alerts look at periods read in the last 40 days.
ALERT_LOOKBACK_DAYS = 40
Progress = Callable[[str], None]  # receives one line of progress, in the active language
_COLUMN_ORDER = {
    "": 0,
    "meter_serial": 1,
    "read_on": 2,
    "start": 2,
    "total_kwh": 3,
    "energy_kwh": 3,
    "peak_kwh": 4,
    "normal_kwh": 5,
    "offpeak_kwh": 6,
}


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
        raise ImportFileError(
            _("Không đọc được tệp %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
        ) from exc
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
    *,
    content: bytes,
    filename: str,
    now: dt.datetime,
    source: str = Reading.Source.HEAD_END,
    label: str = "",
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
    *,
    records: list[dict],
    now: dt.datetime,
    source: str = Reading.Source.HEAD_END,
    label: str = "api",
    user: Any = None,
) -> ImportOutcome:
    """Import readings given as JSON objects with the file's column names (limited to `user`'s units, if any)."""
    table, errors = table_from_records(records)
    digest = hashlib.sha256(repr(records).encode()).hexdigest()
    return _import_table(
        table=table, errors=errors, sha256=digest, label=label, source=source, now=now, user=user
    )


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


def _import_table(
    *,
    table: Table,
    errors: list[RowError],
    sha256: str,
    label: str,
    source: str,
    now: dt.datetime,
    progress: Progress | None = None,
    user: Any = None,
) -> ImportOutcome:
    # A person's import is limited to their units and belongs to their unit; the system's to no unit.
    # None: no unit limit (the system, a superuser); [] (staff without a unit) refuses every row.
    unit_ids = None if user is None else policy.visible_unit_ids(user=user)
    unit = None if user is None else policy.unit_of(user)
    reading_import = ReadingImport.objects.create(
        kind=table.kind,
        source=label[:200],
        sha256=sha256,
        started_at=now,
        rows_total=len(table) + len(errors),
        unit=unit,
    )
    try:
        # Validation and insert in one transaction, with the file's meters locked (see `_lock_meters`): two
        # imports touching one meter validate in turn, each against what the other stored.
        with transaction.atomic():
            if table.kind == ReadingImport.Kind.REGISTER:
                inserted, present, rollovers = import_register(
                    table=table,
                    errors=errors,
                    now=now,
                    source=source,
                    reading_import=reading_import,
                    progress=progress,
                    unit_ids=unit_ids,
                )
            else:
                inserted, present, rollovers = import_interval(
                    table=table,
                    errors=errors,
                    now=now,
                    reading_import=reading_import,
                    progress=progress,
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
