"""Interruption logs exported by other systems (a SCADA, an outage management system) as CSV, for the indices.

Columns (a header row, comma-separated, UTF-8 with or without BOM, other columns ignored):
`start`, `end` — local time (Asia/Ho_Chi_Minh) `YYYY-MM-DD HH:MM`; `customers` — customers interrupted, a whole
number; `planned` (optional) — `1` for a planned outage, `0` or empty otherwise. Every bad row is reported with
its line number (the header is line 1), column, value and what is wrong; no index is computed from a file with a
bad row, so nothing is silently left out.
"""

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from gridcare.outages import reliability

REQUIRED_COLUMNS = ("start", "end", "customers")
TIME_FORMAT = "%Y-%m-%d %H:%M"
MAX_REPORTED_ERRORS = 20


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    value: str
    reason: str

    def message(self) -> str:
        return _("Dòng %(line)s, cột “%(column)s”, giá trị “%(value)s”: %(reason)s") % {
            "line": self.line, "column": self.column, "value": self.value, "reason": self.reason,
        }  # fmt: skip


class InterruptionLogError(Exception):
    """The file cannot be read as an interruption log: a missing column, or bad rows (`errors`)."""

    def __init__(self, message: str, errors: tuple[RowError, ...] = ()):
        super().__init__(message)
        self.message = message
        self.errors = errors


def _time(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(value.strip(), TIME_FORMAT)
    except ValueError:
        return None


def interruptions_from_csv(*, lines: Iterable[str], customers_served: int) -> reliability.Interruptions:
    """The interruptions of a CSV log as columns, or `InterruptionLogError` naming every bad row."""
    reader = csv.DictReader(lines)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise InterruptionLogError(
            _("Thiếu cột %(columns)s ở dòng tiêu đề (cần: start, end, customers; tùy chọn: planned).")
            % {"columns": ", ".join(f"“{name}”" for name in missing)}
        )
    reader.fieldnames = header
    records, errors = [], []
    for row in reader:
        line = reader.line_num
        values = {name: (row.get(name) or "").strip() for name in (*REQUIRED_COLUMNS, "planned")}
        if not any(isinstance(v, str) and v.strip() for v in row.values()):
            continue  # a line of empty fields
        row_errors = []
        start, end = _time(values["start"]), _time(values["end"])
        for name, parsed in (("start", start), ("end", end)):
            if parsed is None:
                row_errors.append(
                    RowError(line, name, values[name], _("không phải thời điểm dạng YYYY-MM-DD HH:MM."))
                )
        if start and end and end < start:
            row_errors.append(RowError(line, "end", values["end"], _("kết thúc trước khi bắt đầu (%(start)s).")
                                       % {"start": values["start"]}))  # fmt: skip
        text = values["customers"]
        customers = int(text) if text.isascii() and text.isdigit() else None
        if customers is None:
            row_errors.append(RowError(line, "customers", values["customers"],
                                       _("không phải số khách hàng (số nguyên không âm).")))  # fmt: skip
        elif customers > customers_served:
            row_errors.append(RowError(line, "customers", values["customers"],
                                       _("lớn hơn số khách hàng được cấp điện (%(served)s).")
                                       % {"served": customers_served}))  # fmt: skip
        if values["planned"] not in ("", "0", "1"):
            row_errors.append(
                RowError(line, "planned", values["planned"], _("phải là 1 (có kế hoạch) hoặc 0."))
            )
        if row_errors:
            errors.extend(row_errors)
        else:
            records.append((start, end, customers, values["planned"] == "1", 0))
    if errors:
        shown = [e.message() for e in errors[:MAX_REPORTED_ERRORS]]
        if len(errors) > MAX_REPORTED_ERRORS:
            shown.append(_("… và %(count)s lỗi khác.") % {"count": len(errors) - MAX_REPORTED_ERRORS})
        raise InterruptionLogError("\n".join(shown), tuple(errors))
    return reliability.interruptions_from_records(records=records)
