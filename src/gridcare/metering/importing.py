"""Reading files in, rows checked: parsing and set-based validation of meter-reading imports (VEE).

Pure functions over column lists and numpy arrays; the database facts they need (meters, installations,
earlier readings) are passed in by `services.py`, which reads them with one set-based query each.

Register file columns: `meter_serial, read_on, total_kwh[, peak_kwh, normal_kwh, offpeak_kwh]`.
Interval file columns: `meter_serial, start, energy_kwh`. See docs/readings-import.md.
"""

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from itertools import repeat
from operator import methodcaller
from typing import Any

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from gridcare.core.formatting import BUSINESS_TZ

EPOCH = dt.date(1970, 1, 1)
EPOCH_ORDINAL = EPOCH.toordinal()
REGISTER_REQUIRED = ("meter_serial", "read_on", "total_kwh")
REGISTER_OPTIONAL = ("peak_kwh", "normal_kwh", "offpeak_kwh")
INTERVAL_REQUIRED = ("meter_serial", "start", "energy_kwh")
# Implausible jump: daily use above JUMP_FACTOR × the account's median daily use, and above the floor.
JUMP_FACTOR = 10
JUMP_FLOOR_KWH_PER_DAY = 300
# Interval energy above this in one 30-minute interval is not a distribution customer's load.
INTERVAL_CEILING_WH = 5_000_000
INTERVAL_SECONDS = 30 * 60
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DMY_TIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
_PLAIN_INT = re.compile(r"^\s*[+-]?\d+\s*$")
_PLAIN_DECIMAL = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$")
# An XLSX is a ZIP of XML: a real sheet expands 5 to 20 times (16× for a sheet of identical rows). A member
# that expands more than this, once past a mebibyte, is a ZIP bomb, not a spreadsheet.
XLSX_MAX_RATIO = 100
XLSX_RATIO_FLOOR_BYTES = 1 << 20
XLSX_MAX_MEMBERS = 1000


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, bad header); nothing was written."""

    def __init__(self, message: str, *, code: str = "bad_file", details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or {}


@dataclass(frozen=True)
class RowError:
    """Why one value of one row was rejected; `row` is the line (CSV) or sheet row (XLSX) number."""

    row: int
    column: str
    value: str
    reason: str
    reason_en: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason, "reason_en": self.reason_en}


@dataclass
class Table:
    """A parsed file: one list of raw strings per column, and the file row number of each row."""

    kind: str
    columns: dict[str, list[str]]
    row_numbers: np.ndarray

    def __len__(self) -> int:
        return len(self.row_numbers)


@dataclass
class Checked:
    """The outcome of validation, as arrays aligned on the table's rows."""

    n: int
    errors: list[RowError] = field(default_factory=list)
    valid: np.ndarray | None = None  # bool: row goes to the database
    present: np.ndarray | None = None  # bool: row already recorded with the same values
    values: dict[str, np.ndarray] = field(default_factory=dict)


def day_number(value: dt.date) -> int:
    return value.toordinal() - EPOCH_ORDINAL


def day_from_number(number: int) -> dt.date:
    return dt.date.fromordinal(int(number) + EPOCH_ORDINAL)


# --- reading files ------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class ImportLimits:
    """How large an import may be: the file as sent, and an XLSX once expanded (settings GRIDCARE_IMPORT_*)."""

    max_bytes: int
    max_expanded_bytes: int

    @classmethod
    def from_settings(cls) -> "ImportLimits":
        return cls(max_bytes=settings.GRIDCARE_IMPORT_MAX_BYTES, max_expanded_bytes=settings.GRIDCARE_IMPORT_MAX_XLSX_EXPANDED_BYTES)


def _megabytes(size: int) -> str:
    """A size for people: MiB, KiB or bytes."""
    if size >= 1_048_576:
        return f"{size / 1_048_576:,.1f} MiB"
    return f"{size / 1024:,.1f} KiB" if size >= 1024 else f"{size} B"


def check_import_size(*, size: int, limits: ImportLimits) -> None:
    """Refuse a file (or JSON payload) larger than the import cap, before reading it."""
    if size > limits.max_bytes:
        raise ImportFileError(
            _("Tệp quá lớn: %(size)s, tối đa %(limit)s. Hãy chia thành nhiều tệp nhỏ hơn.")
            % {"size": _megabytes(size), "limit": _megabytes(limits.max_bytes)},
            code="file_too_large",
            details={"size": size, "max_bytes": limits.max_bytes},
        )


def check_xlsx_archive(content: bytes, *, limits: ImportLimits) -> None:
    """Refuse an XLSX whose ZIP members would expand past the cap or far more than a sheet does (ZIP bomb).

    Reads only the ZIP's central directory, before anything is decompressed. The sizes it declares are
    binding: Python's zipfile never returns more than the declared size of a member (and then fails its CRC).
    """
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ImportFileError(_("Không đọc được tệp Excel: %(error)s") % {"error": exc}) from exc
    expanded = sum(m.file_size for m in members)
    inflated = [
        m for m in members if m.file_size > XLSX_RATIO_FLOOR_BYTES and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1)
    ]
    if len(members) > XLSX_MAX_MEMBERS or expanded > limits.max_expanded_bytes or inflated:
        raise ImportFileError(
            _("Tệp Excel bị từ chối: khi giải nén sẽ thành %(expanded)s (tối đa %(limit)s, mỗi phần nén tối đa "
              "%(ratio)d lần). Hãy lưu lại bằng Excel, hoặc gửi tệp CSV.")
            % {"expanded": _megabytes(expanded), "limit": _megabytes(limits.max_expanded_bytes), "ratio": XLSX_MAX_RATIO},
            code="xlsx_too_large",
            details={
                "expanded_bytes": expanded, "max_expanded_bytes": limits.max_expanded_bytes, "members": len(members),
                "inflated_members": [m.filename for m in inflated][:10],
            },
        )  # fmt: skip


def _rows_from_xlsx(content: bytes, *, limits: ImportLimits) -> list[list[str]]:
    import openpyxl

    check_xlsx_archive(content, limits=limits)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(_("Không đọc được tệp Excel: %(error)s") % {"error": exc}) from exc
    sheet = workbook.worksheets[0]
    rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def _rows_from_csv(content: bytes) -> list[list[str]] | tuple[list[str], list[list[str]]]:
    """Raw rows (header first), or, for the common unquoted well-formed file, (header, columns)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("Tệp CSV phải mã hoá UTF-8 (lỗi ở byte %(position)s).") % {"position": exc.start}) from exc
    if "\x00" in text:  # a binary file, or a damaged one; no database can store the character either
        raise ImportFileError(
            _("Tệp CSV chứa ký tự NUL (byte 0, ở byte %(position)d): đây không phải tệp văn bản.") % {"position": content.find(b"\x00")},
            code="bad_file",
        )  # fmt: skip
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if '"' in text:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) > 1:
        width = lines[0].count(delimiter) + 1
        if set(map(methodcaller("count", delimiter), lines)) == {width - 1}:
            # Device exports: no quoting, every line the same width. Split the whole body at once (C speed).
            cells = delimiter.join(lines[1:]).split(delimiter)
            return lines[0].split(delimiter), [cells[k::width] for k in range(width)]
    return [line.split(delimiter) for line in lines]


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
            _("Không nhận ra loại tệp: cần các cột %(register)s (chỉ số) hoặc %(interval)s (dữ liệu 30 phút).")
            % {"register": ", ".join(REGISTER_REQUIRED), "interval": ", ".join(INTERVAL_REQUIRED)},
            code="bad_header",
        )
    missing = [c for c in required if c not in names]
    unknown = [c for c in header if c not in required and c not in optional]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if missing or unknown or duplicated:
        parts = []
        if missing:
            parts.append(_("thiếu cột %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            parts.append(_("cột không biết %(columns)s") % {"columns": ", ".join(unknown)})
        if duplicated:
            parts.append(_("cột lặp %(columns)s") % {"columns": ", ".join(duplicated)})
        raise ImportFileError(
            _("Tiêu đề tệp không hợp lệ: %(problems)s.") % {"problems": "; ".join(parts)},
            code="bad_header",
            details={"missing": missing, "unknown": unknown, "duplicated": duplicated},
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
                        number, "", ",".join(r)[:200],
                        _("Dòng có %(found)d ô, cần %(expected)d.") % {"found": len(r), "expected": width},
                        f"Row has {len(r)} cells, expected {width}.",
                    )
                )
        body, numbers = keep_rows, np.array(keep_numbers, dtype=np.int64)
    if body:
        columns = {name: [c.strip() for c in col] for name, col in zip(header, zip(*body, strict=True), strict=True)}
    else:
        columns = {name: [] for name in header}
    return Table(kind=kind, columns=columns, row_numbers=numbers), errors


def table_from_file(*, content: bytes, filename: str, limits: ImportLimits | None = None) -> tuple[Table, list[RowError]]:
    """Parse a CSV or XLSX file (chosen by the file name, or by the ZIP signature of XLSX), within the size caps."""
    limits = limits or ImportLimits.from_settings()
    check_import_size(size=len(content), limits=limits)
    if filename.lower().endswith((".xlsx", ".xlsm")) or content[:2] == b"PK":
        return table_from_rows(_rows_from_xlsx(content, limits=limits))
    parsed = _rows_from_csv(content)
    if isinstance(parsed, tuple):
        return _table_from_columns(*parsed), []
    return table_from_rows(parsed)


def _table_from_columns(raw_header: list[str], columns: list[list[str]]) -> Table:
    header = _header(raw_header)
    kind = _kind_for(header)
    cleaned = {}
    for name, values in zip(header, columns, strict=True):
        joined = "".join(values)
        cleaned[name] = [v.strip() for v in values] if (" " in joined or "\t" in joined or "\r" in joined) else values
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
    rows = [header] + [[_cell_text(r.get(k)) for k in header] for r in records]
    if any("\x00" in cell for row in rows for cell in row):
        raise ImportFileError(_("Dữ liệu chứa ký tự NUL: không nhập được."), code="bad_payload")
    return table_from_rows(rows, first_row_number=0)


# --- parsing columns ---------------------------------------------------------------------------------


def _err(errors: list[RowError], table: Table, index: int, column: str, value: str, vi: str, en: str) -> None:
    errors.append(RowError(int(table.row_numbers[index]), column, value, vi, en))


def parse_whole_numbers(table: Table, column: str, errors: list[RowError], *, required: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse a column of whole kWh: (values, ok, blank). Bad or negative values are reported in `errors`."""
    raw = table.columns[column]
    n = len(raw)
    try:
        values = np.array(raw, dtype=np.str_).astype(np.int64) if n else np.zeros(0, dtype=np.int64)
        ok = np.ones(n, dtype=bool)
        blank = np.zeros(n, dtype=bool)
        # numpy accepts Python int syntax (underscores, other scripts' digits): recheck the rare odd ones.
        joined = "".join(raw)
        if not joined.isascii() or "_" in joined:
            raise ValueError
    except (ValueError, OverflowError):
        values = np.zeros(n, dtype=np.int64)
        ok = np.ones(n, dtype=bool)
        blank = np.zeros(n, dtype=bool)
        for i, s in enumerate(raw):
            s = s.strip()
            if not s:
                blank[i] = True
                ok[i] = False
                if required:
                    _err(errors, table, i, column, s, _("Thiếu giá trị."), "Missing value.")
            elif _PLAIN_INT.match(s) and abs(int(s)) < 2**62:
                values[i] = int(s)
            elif _PLAIN_DECIMAL.match(s) and float(s).is_integer() and abs(float(s)) < 2**52:
                values[i] = int(float(s))
            else:
                ok[i] = False
                if _PLAIN_DECIMAL.match(s):
                    _err(errors, table, i, column, s, _("Chỉ số phải là số kWh nguyên."), "Register values must be whole kWh.")
                else:
                    _err(errors, table, i, column, s, _("Không phải là số."), "Not a number.")
    negative = ok & (values < 0)
    for i in np.flatnonzero(negative).tolist():
        _err(errors, table, i, column, raw[i], _("Giá trị âm."), "Negative value.")
    ok &= ~negative
    return values, ok, blank


def parse_kwh_to_wh(table: Table, column: str, errors: list[RowError]) -> tuple[np.ndarray, np.ndarray]:
    """Parse kWh with up to 3 decimals into whole Wh: (values, ok)."""
    raw = table.columns[column]
    n = len(raw)
    try:
        joined = "".join(raw).lower()
        if not joined.isascii() or "_" in joined or "e" in joined or "n" in joined:  # 1e3, nan, inf: not kWh
            raise ValueError
        kwh = np.array(raw, dtype=np.str_).astype(np.float64) if n else np.zeros(0)
        ok = np.ones(n, dtype=bool)
    except ValueError:
        kwh = np.zeros(n)
        ok = np.ones(n, dtype=bool)
        for i, s in enumerate(raw):
            s = s.strip()
            if not s:
                ok[i] = False
                _err(errors, table, i, column, s, _("Thiếu giá trị."), "Missing value.")
            elif _PLAIN_DECIMAL.match(s):
                kwh[i] = float(s)
            else:
                ok[i] = False
                _err(errors, table, i, column, s, _("Không phải là số."), "Not a number.")
    wh_float = kwh * 1000.0
    wh = np.rint(wh_float).astype(np.int64)
    too_precise = ok & (np.abs(wh_float - wh) > 1e-6 * np.maximum(1.0, np.abs(wh_float)))
    for i in np.flatnonzero(too_precise).tolist():
        _err(errors, table, i, column, raw[i], _("Tối đa 3 chữ số thập phân (Wh)."), "At most 3 decimals (Wh).")
    negative = ok & ~too_precise & (wh < 0)
    for i in np.flatnonzero(negative).tolist():
        _err(errors, table, i, column, raw[i], _("Giá trị âm."), "Negative value.")
    return wh, ok & ~too_precise & ~negative


def _parse_date(text: str) -> dt.date | None:
    text = text.strip()
    try:
        if match := _DMY.match(text):
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return dt.date.fromisoformat(text)
    except ValueError:
        return None
    return None


def parse_days(table: Table, column: str, errors: list[RowError], *, today: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Parse dates (`2025-11-05` or `05/11/2025`) into day numbers: (days, ok). Future dates are errors."""
    raw = table.columns[column]
    parsed = {text: _parse_date(text) for text in set(raw)}  # files repeat few distinct dates
    lookup = {text: (day_number(d) if d else -(2**40)) for text, d in parsed.items()}
    days = np.fromiter(map(lookup.__getitem__, raw), dtype=np.int64, count=len(raw))
    ok = days > -(2**40)
    for i in np.flatnonzero(~ok).tolist():
        _err(
            errors, table, i, column, raw[i],
            _("Ngày không hợp lệ (dùng 2025-11-05 hoặc 05/11/2025)."), "Invalid date (use 2025-11-05 or 05/11/2025).",
        )  # fmt: skip
    future = ok & (days > day_number(today))
    for i in np.flatnonzero(future).tolist():
        _err(errors, table, i, column, raw[i], _("Ngày ghi ở tương lai."), "Reading date is in the future.")
    return days, ok & ~future


def _parse_moment(text: str) -> int | None:
    text = text.strip()
    try:
        if match := _DMY_TIME.match(text):
            day, month, year, hour, minute, second = match.groups()
            moment = dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        else:
            moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BUSINESS_TZ)
    return int(moment.timestamp())


def parse_moments(table: Table, column: str, errors: list[RowError], *, now: dt.datetime) -> tuple[np.ndarray, np.ndarray]:
    """Parse interval starts (ISO with offset, or local time) into UTC epoch seconds: (seconds, ok)."""
    raw = table.columns[column]
    lookup = {text: _parse_moment(text) for text in set(raw)}
    missing = -(2**62)
    seconds = np.fromiter(
        (missing if lookup[t] is None else lookup[t] for t in raw), dtype=np.int64, count=len(raw)
    )
    ok = seconds != missing
    for i in np.flatnonzero(~ok).tolist():
        _err(
            errors, table, i, column, raw[i],
            _("Thời điểm không hợp lệ (dùng 2025-11-05T10:30+07:00 hoặc 05/11/2025 10:30)."),
            "Invalid time (use 2025-11-05T10:30+07:00 or 05/11/2025 10:30).",
        )  # fmt: skip
    misaligned = ok & (seconds % INTERVAL_SECONDS != 0)
    for i in np.flatnonzero(misaligned).tolist():
        _err(errors, table, i, column, raw[i], _("Khoảng 30 phút phải bắt đầu lúc :00 hoặc :30."), "Intervals start at :00 or :30.")
    future = ok & ~misaligned & (seconds + INTERVAL_SECONDS > int(now.timestamp()))
    for i in np.flatnonzero(future).tolist():
        _err(errors, table, i, column, raw[i], _("Khoảng đo chưa kết thúc (tương lai)."), "Interval has not ended yet (future).")
    return seconds, ok & ~misaligned & ~future


def resolve_serials(
    table: Table, meters: dict[str, tuple[int, int]], errors: list[RowError]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map serials to (meter ids, register digits, ok); unknown meters are errors."""
    raw = table.columns["meter_serial"]
    index = {serial: k for k, serial in enumerate(meters, start=1)}
    known = np.fromiter(map(index.get, raw, repeat(0)), dtype=np.int64, count=len(raw))
    ids = np.array([0] + [pk for pk, _digits in meters.values()], dtype=np.int64)[known]
    digits = np.array([0] + [d for _pk, d in meters.values()], dtype=np.int64)[known]
    ok = ids > 0
    for i in np.flatnonzero(~ok).tolist():
        if raw[i].strip():
            _err(errors, table, i, "meter_serial", raw[i], _("Không có công tơ số này."), "Unknown meter serial.")
        else:
            _err(errors, table, i, "meter_serial", raw[i], _("Thiếu số công tơ."), "Missing meter serial.")
    return ids, digits, ok


@dataclass
class Installations:
    """Meter installations sorted by (meter, installed_on): the account a meter is on at a date."""

    meter: np.ndarray
    account: np.ndarray
    installed: np.ndarray
    removed: np.ndarray  # day number, or a far future day while installed
    initial_total: np.ndarray


def accounts_on(
    installations: Installations, *, meter: np.ndarray, day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The account each (meter, day) belongs to, and whether the meter was installed then."""
    if len(installations.meter) == 0:
        return np.zeros(len(meter), dtype=np.int64), np.zeros(len(meter), dtype=bool)
    key = installations.meter * 1_000_000 + installations.installed
    at = np.searchsorted(key, meter * 1_000_000 + day, side="right") - 1
    at_safe = np.maximum(at, 0)
    ok = (at >= 0) & (installations.meter[at_safe] == meter) & (day < installations.removed[at_safe])
    return np.where(ok, installations.account[at_safe], 0), ok


def first_duplicates(table: Table, keys: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose key repeats an earlier row of the file: (is_duplicate, index of the first row)."""
    n = len(keys)
    duplicate = np.zeros(n, dtype=bool)
    first = np.full(n, -1, dtype=np.int64)
    index = np.flatnonzero(candidates)
    if len(index) == 0:
        return duplicate, first
    order = index[np.argsort(keys[index], kind="stable")]
    sorted_keys = keys[order]
    same = np.concatenate([[False], sorted_keys[1:] == sorted_keys[:-1]])
    group_start = np.maximum.accumulate(np.where(~same, np.arange(len(order)), 0))
    duplicate[order[same]] = True
    first[order[same]] = order[group_start[same]]
    return duplicate, first


# --- register readings: the sequence checks ----------------------------------------------------------


@dataclass
class History:
    """Readings already recorded for the file's meters (and installation baselines), as arrays."""

    meter: np.ndarray
    account: np.ndarray
    day: np.ndarray
    total: np.ndarray
    peak: np.ndarray  # -1 for no value
    normal: np.ndarray
    offpeak: np.ndarray
    rollover: np.ndarray
    digits_by_meter: dict[int, int] = field(default_factory=dict)


def daily_limits(history: History, digits: dict[int, int]) -> dict[int, float]:
    """Largest plausible daily use per account: max(JUMP_FACTOR × median daily use, floor)."""
    if len(history.meter) < 2:
        return {}
    order = np.lexsort((history.day, history.meter))
    meter, day, total, account = history.meter[order], history.day[order], history.total[order], history.account[order]
    same = (meter[1:] == meter[:-1]) & (account[1:] == account[:-1]) & (day[1:] > day[:-1])
    if not same.any():
        return {}
    wrap = np.power(10, _lookup(digits, meter[1:][same], 9).astype(np.int64))
    used = total[1:][same] - total[:-1][same]
    used = np.where(used < 0, used + wrap, used)
    rate = used / (day[1:][same] - day[:-1][same])
    acct = account[1:][same]
    by = np.lexsort((rate, acct))
    acct, rate = acct[by], rate[by]
    starts = np.flatnonzero(np.concatenate([[True], acct[1:] != acct[:-1]]))
    counts = np.diff(np.concatenate([starts, [len(acct)]]))
    medians = (rate[starts + (counts - 1) // 2] + rate[starts + counts // 2]) / 2
    return {int(a): max(JUMP_FACTOR * float(m), JUMP_FLOOR_KWH_PER_DAY) for a, m in zip(acct[starts].tolist(), medians.tolist(), strict=True)}


def step_check(*, previous: int, previous_day: int, total: int, day: int, digits: int, limit: float) -> tuple[bool, bool, str, str]:
    """One reading against the one before it: (accepted, rollover, reason_vi, reason_en)."""
    days = max(day - previous_day, 1)
    used = total - previous
    previous_text = day_from_number(previous_day).strftime("%d/%m/%Y")
    allowed = limit * days
    if used >= 0:
        if used <= allowed:
            return True, False, "", ""
        return (
            False, False,
            _("Tiêu thụ %(used)d kWh trong %(days)d ngày (từ chỉ số %(previous)d ngày %(date)s) vượt mức hợp lý %(allowed)d kWh.")
            % {"used": used, "days": days, "previous": previous, "date": previous_text, "allowed": int(allowed)},
            f"Use of {used} kWh in {days} days (from reading {previous} of {previous_text}) exceeds the plausible {int(allowed)} kWh.",
        )  # fmt: skip
    wrapped = 10**digits - previous + total
    if wrapped <= allowed:
        return True, True, "", ""
    return (
        False, False,
        _("Thấp hơn chỉ số trước %(previous)d ngày %(date)s (không phải quay vòng: quay vòng qua 0 ở %(digits)d chữ số nghĩa là tiêu thụ %(wrapped)d kWh trong %(days)d ngày, vượt mức hợp lý %(allowed)d kWh).")
        % {"previous": previous, "date": previous_text, "digits": digits, "wrapped": wrapped, "days": days, "allowed": int(allowed)},
        f"Lower than the previous reading {previous} of {previous_text} (not a rollover: wrapping past zero at {digits} digits "
        f"would mean {wrapped} kWh in {days} days, above the plausible {int(allowed)} kWh).",
    )  # fmt: skip


def _lookup(mapping: dict[int, Any], keys: np.ndarray, default: float) -> np.ndarray:
    """mapping[key] for every key, `default` where missing, as an array (sorted search, no Python loop)."""
    if not mapping or len(keys) == 0:
        return np.full(len(keys), default)
    known = np.array(sorted(mapping), dtype=np.int64)
    values = np.array([mapping[k] for k in known.tolist()])
    at = np.minimum(np.searchsorted(known, keys), len(known) - 1)
    return np.where(known[at] == keys, values[at], default)


def forward_check(
    *,
    candidate: np.ndarray,
    meter: np.ndarray,
    account: np.ndarray,
    day: np.ndarray,
    total: np.ndarray,
    digits: np.ndarray,
    history: History,
    limits: dict[int, float],
) -> list[tuple[int, str, str]]:
    """Rows filled in before a recorded reading must not be above it (unless that is a plausible rollover).

    Independent of the other rows of the file, so it runs before `sequence_check`. Returns
    [(row index, reason_vi, reason_en)].
    """
    index = np.flatnonzero(candidate)
    if len(index) == 0 or len(history.meter) == 0:
        return []
    order = np.lexsort((history.day, history.meter))
    h_meter, h_day, h_total = history.meter[order], history.day[order], history.total[order]
    at = np.searchsorted(h_meter * 1_000_000 + h_day, meter[index] * 1_000_000 + day[index], side="right")
    at_safe = np.minimum(at, len(h_meter) - 1)
    following = (at < len(h_meter)) & (h_meter[at_safe] == meter[index])
    next_total, next_day = h_total[at_safe], h_day[at_safe]
    days = np.maximum(next_day - day[index], 1)
    allowed = _lookup(limits, account[index], JUMP_FLOOR_KWH_PER_DAY) * days
    wrapped = np.power(10, digits[index]) - total[index] + next_total
    fails = following & (next_total < total[index]) & (wrapped > allowed)
    failures = []
    for k in np.flatnonzero(fails).tolist():
        following_total, following_date = int(next_total[k]), day_from_number(int(next_day[k])).strftime("%d/%m/%Y")
        failures.append((
            int(index[k]),
            _("Cao hơn chỉ số đã ghi sau đó %(next)d ngày %(date)s (không phải quay vòng).")
            % {"next": following_total, "date": following_date},
            f"Higher than the later recorded reading {following_total} of {following_date} (not a rollover).",
        ))  # fmt: skip
    return failures


def sequence_check(
    *,
    candidate: np.ndarray,
    meter: np.ndarray,
    account: np.ndarray,
    day: np.ndarray,
    total: np.ndarray,
    digits: np.ndarray,
    history: History,
    limits: dict[int, float],
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str, str]]]:
    """Check each candidate row against the latest accepted reading before it of the same meter.

    Rows of one meter are taken in date order, from the file and the history together; a rejected row
    is never the reference for the next one. Vectorised for meters whose rows all pass; meters with a
    failure are re-walked one row at a time. Returns (accepted, rollover, [(row index, vi, en)]).
    """
    n = len(meter)
    accepted = candidate.copy()
    rollover = np.zeros(n, dtype=bool)
    failures: list[tuple[int, str, str]] = []
    index = np.flatnonzero(candidate)
    if len(index) == 0:
        return accepted, rollover, failures
    h = len(history.meter)
    s_meter = np.concatenate([history.meter, meter[index]])
    s_day = np.concatenate([history.day, day[index]])
    s_total = np.concatenate([history.total, total[index]])
    s_row = np.concatenate([np.full(h, -1, dtype=np.int64), index])
    s_is_file = s_row >= 0
    s_digits = np.concatenate([_lookup(history.digits_by_meter, history.meter, 9), digits[index]])
    s_account = np.concatenate([history.account, account[index]])
    s_limit = _lookup(limits, s_account, JUMP_FLOOR_KWH_PER_DAY).astype(np.float64)
    order = np.lexsort((s_is_file, s_day, s_meter))
    s_meter, s_day, s_total, s_row, s_is_file, s_digits, s_limit = (
        a[order] for a in (s_meter, s_day, s_total, s_row, s_is_file, s_digits, s_limit)
    )
    has_prev = np.concatenate([[False], s_meter[1:] == s_meter[:-1]])
    prev_total = np.concatenate([[0], s_total[:-1]])
    prev_day = np.concatenate([[0], s_day[:-1]])
    days = np.maximum(s_day - prev_day, 1)
    used = s_total - prev_total
    allowed = s_limit * days
    wrapped = (10**s_digits) - prev_total + s_total
    check = s_is_file & has_prev
    fails = check & (((used >= 0) & (used > allowed)) | ((used < 0) & (wrapped > allowed)))
    rolls = check & (used < 0) & ~fails
    rollover[s_row[rolls]] = True
    bad_meters = set(s_meter[fails].tolist())
    if bad_meters:
        walk = np.flatnonzero(np.isin(s_meter, np.array(sorted(bad_meters), dtype=np.int64)))
        last_meter, last_total, last_day = None, 0, 0
        for k in walk.tolist():
            m = int(s_meter[k])
            if m != last_meter:
                last_meter, last_total, last_day, has_last = m, 0, 0, False
            if not s_is_file[k]:
                last_total, last_day, has_last = int(s_total[k]), int(s_day[k]), True
                continue
            row = int(s_row[k])
            if not has_last:
                ok, rolled, vi, en = True, False, "", ""
            else:
                ok, rolled, vi, en = step_check(
                    previous=last_total, previous_day=last_day, total=int(s_total[k]), day=int(s_day[k]),
                    digits=int(s_digits[k]), limit=float(s_limit[k]),
                )  # fmt: skip
            rollover[row] = rolled
            if ok:
                last_total, last_day, has_last = int(s_total[k]), int(s_day[k]), True
            else:
                accepted[row] = False
                failures.append((row, vi, en))
    return accepted, rollover, failures
