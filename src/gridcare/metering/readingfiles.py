"""Reading files in: a CSV/XLSX file (or the API's JSON objects) as a `Table` of text columns, header checked.

Decoding the bytes is `gridcare.core.importfiles` (shared with the payment statements); this module knows the
readings' columns. Register file columns: `meter_serial, read_on, total_kwh[, peak_kwh, normal_kwh, offpeak_kwh]`.
Interval file columns: `meter_serial, start, energy_kwh`. See docs/readings-import.md.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from gridcare.core.importfiles import (
    ImportFileError,
    ImportLimits,
    RowError,
    cell_text,
    header_problems,
    rows_from_file,
)

REGISTER_REQUIRED = ("meter_serial", "read_on", "total_kwh")
REGISTER_OPTIONAL = ("peak_kwh", "normal_kwh", "offpeak_kwh")
INTERVAL_REQUIRED = ("meter_serial", "start", "energy_kwh")


@dataclass
class Table:
    """A parsed file: one list of raw strings per column, and the file row number of each row."""

    kind: str
    columns: dict[str, list[str]]
    row_numbers: np.ndarray

    def __len__(self) -> int:
        return len(self.row_numbers)


def _header(raw: list[str]) -> list[str]:
    return [name.strip().lstrip("\ufeff").lower() for name in raw]


def _kind_for(header: list[str]) -> str:
    names = set(header)
    if names & {"start", "energy_kwh"}:
        required, optional, kind = INTERVAL_REQUIRED, (), "interval"
    elif names & {"read_on", "total_kwh"}:
        required, optional, kind = REGISTER_REQUIRED, REGISTER_OPTIONAL, "register"
    else:
        raise ImportFileError(
            _(
                "Không nhận ra loại tệp: cần các cột %(register)s (chỉ số) hoặc %(interval)s (dữ liệu 30 phút)."
            )
            % {"register": ", ".join(REGISTER_REQUIRED), "interval": ", ".join(INTERVAL_REQUIRED)},
            code="bad_header",
        )
    parts, details = header_problems(header, required=required, optional=optional)
    if parts:
        raise ImportFileError(
            _("Tiêu đề tệp không hợp lệ: %(problems)s.") % {"problems": "; ".join(parts)},
            code="bad_header",
            details=details,
        )
    return kind


def table_from_rows(rows: list[list[str]], *, first_row_number: int = 1) -> tuple[Table, list[RowError]]:
    """Turn raw rows (header first) into a Table; rows with the wrong number of cells become errors."""
    while rows and not any(cell.strip() for cell in rows[0]):
        rows = rows[1:]
        first_row_number += 1
    if not rows:
        raise ImportFileError(_("Tệp rỗng: không có dòng tiêu đề."), code="empty_file")
    header = _header(rows[0])
    while header and header[-1] == "":  # trailing empty cells of a spreadsheet
        header.pop()
    kind = _kind_for(header)
    width = len(header)
    body = rows[1:]
    numbers = np.arange(first_row_number + 1, first_row_number + 1 + len(body), dtype=np.int64)
    errors: list[RowError] = []
    if any(len(r) != width for r in body):
        keep_rows, keep_numbers = [], []
        for number, r in zip(numbers.tolist(), body, strict=True):
            cells = r
            if len(r) > width and not any(c.strip() for c in r[width:]):
                cells = r[:width]
            if len(cells) == width:
                keep_rows.append(cells)
                keep_numbers.append(number)
            elif any(c.strip() for c in r):  # blank lines are not errors
                errors.append(
                    RowError(
                        number,
                        "",
                        ",".join(r)[:200],
                        _("Dòng có %(found)d ô, cần %(expected)d.") % {"found": len(r), "expected": width},
                        f"Row has {len(r)} cells, expected {width}.",
                    )
                )
        body, numbers = keep_rows, np.array(keep_numbers, dtype=np.int64)
    if body:
        columns = {
            name: [c.strip() for c in col] for name, col in zip(header, zip(*body, strict=True), strict=True)
        }
    else:
        columns = {name: [] for name in header}
    return Table(kind=kind, columns=columns, row_numbers=numbers), errors


def table_from_file(
    *, content: bytes, filename: str, limits: ImportLimits | None = None
) -> tuple[Table, list[RowError]]:
    """Parse a CSV or XLSX file (chosen by the file name, or by the ZIP signature of XLSX), within the size caps."""
    parsed = rows_from_file(content=content, filename=filename, limits=limits or ImportLimits.from_settings())
    if isinstance(parsed, tuple):
        return _table_from_columns(*parsed), []
    return table_from_rows(parsed)


def _table_from_columns(raw_header: list[str], columns: list[list[str]]) -> Table:
    header = _header(raw_header)
    kind = _kind_for(header)
    cleaned = {}
    for name, values in zip(header, columns, strict=True):
        joined = "".join(values)
        cleaned[name] = (
            [v.strip() for v in values] if (" " in joined or "\t" in joined or "\r" in joined) else values
        )
    numbers = np.arange(2, 2 + len(columns[0]), dtype=np.int64)
    if all("" in values for values in cleaned.values()):  # rows of empty cells (",,") are blank lines
        blank = np.logical_and.reduce([np.array(values) == "" for values in cleaned.values()])
        keep = np.flatnonzero(~blank).tolist()
        cleaned = {name: [values[i] for i in keep] for name, values in cleaned.items()}
        numbers = numbers[~blank]
    return Table(kind=kind, columns=cleaned, row_numbers=numbers)


def table_from_records(records: list[dict[str, Any]]) -> tuple[Table, list[RowError]]:
    """Rows given as JSON objects (the API); row numbers count the objects from 1."""
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ImportFileError(_("`readings` phải là một danh sách các đối tượng."), code="bad_payload")
    header: list[str] = []
    for record in records:
        for key in record:
            if key not in header:
                header.append(key)
    if not records:
        raise ImportFileError(_("Không có dòng chỉ số nào."), code="empty_file")
    rows = [header] + [[cell_text(r.get(k)) for k in header] for r in records]
    if any("\x00" in cell for row in rows for cell in row):
        raise ImportFileError(_("Dữ liệu chứa ký tự NUL: không nhập được."), code="bad_payload")
    return table_from_rows(rows, first_row_number=0)
