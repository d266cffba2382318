"""Import files in, as rows of text: size caps, CSV (UTF-8, `,` or `;`) and XLSX (ZIP-bomb checks), for every import.

Shared by the meter-reading import (`gridcare.metering.readingfiles`) and the payment statement import
(`gridcare.payments.statements`), so that both refuse the same files with the same sentences. Only decoding
lives here: what the columns mean and the rules of each kind of row belong to the importing area.
"""

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from operator import methodcaller
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

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
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "reason_en": self.reason_en,
        }


def cell_text(value: Any) -> str:
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
        return cls(
            max_bytes=settings.GRIDCARE_IMPORT_MAX_BYTES,
            max_expanded_bytes=settings.GRIDCARE_IMPORT_MAX_XLSX_EXPANDED_BYTES,
        )


def header_problems(names: list[str], *, required, optional) -> tuple[list[str], dict[str, list[str]]]:
    """What is wrong with a header's column names, for both imports: the sentences ("thiếu cột …", "cột không biết
    …", "cột lặp …", none when nothing is) and the details `{"missing", "unknown", "duplicated"}`."""
    missing = [c for c in required if c not in names]
    unknown = [c for c in names if c not in required and c not in optional]
    duplicated = sorted({c for c in names if names.count(c) > 1})
    parts = []
    if missing:
        parts.append(_("thiếu cột %(columns)s") % {"columns": ", ".join(missing)})
    if unknown:
        parts.append(_("cột không biết %(columns)s") % {"columns": ", ".join(unknown)})
    if duplicated:
        parts.append(_("cột lặp %(columns)s") % {"columns": ", ".join(duplicated)})
    return parts, {"missing": missing, "unknown": unknown, "duplicated": duplicated}


def megabytes(size: int) -> str:
    """A size for people: MiB, KiB or bytes."""
    if size >= 1_048_576:
        return f"{size / 1_048_576:,.1f} MiB"
    return f"{size / 1024:,.1f} KiB" if size >= 1024 else f"{size} B"


def check_import_size(*, size: int, limits: ImportLimits) -> None:
    """Refuse a file (or JSON payload) larger than the import cap, before reading it."""
    if size > limits.max_bytes:
        raise ImportFileError(
            _("Tệp quá lớn: %(size)s, tối đa %(limit)s. Hãy chia thành nhiều tệp nhỏ hơn.")
            % {"size": megabytes(size), "limit": megabytes(limits.max_bytes)},
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
        m
        for m in members
        if m.file_size > XLSX_RATIO_FLOOR_BYTES and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1)
    ]
    if len(members) > XLSX_MAX_MEMBERS or expanded > limits.max_expanded_bytes or inflated:
        raise ImportFileError(
            _("Tệp Excel bị từ chối: khi giải nén sẽ thành %(expanded)s (tối đa %(limit)s, mỗi phần nén tối đa "
              "%(ratio)d lần). Hãy lưu lại bằng Excel, hoặc gửi tệp CSV.")
            % {"expanded": megabytes(expanded), "limit": megabytes(limits.max_expanded_bytes), "ratio": XLSX_MAX_RATIO},
            code="xlsx_too_large",
            details={
                "expanded_bytes": expanded, "max_expanded_bytes": limits.max_expanded_bytes, "members": len(members),
                "inflated_members": [m.filename for m in inflated][:10],
            },
        )  # fmt: skip


def rows_from_xlsx(content: bytes, *, limits: ImportLimits) -> list[list[str]]:
    import openpyxl

    check_xlsx_archive(content, limits=limits)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(_("Không đọc được tệp Excel: %(error)s") % {"error": exc}) from exc
    sheet = workbook.worksheets[0]
    rows = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def rows_from_csv(content: bytes) -> list[list[str]] | tuple[list[str], list[list[str]]]:
    """Raw rows (header first), or, for the common unquoted well-formed file, (header, columns)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("Tệp CSV phải mã hoá UTF-8 (lỗi ở byte %(position)s).") % {"position": exc.start}
        ) from exc
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


def rows_from_file(
    *, content: bytes, filename: str, limits: ImportLimits
) -> list[list[str]] | tuple[list[str], list[list[str]]]:
    """A CSV or XLSX file (chosen by the name, or by the ZIP signature of XLSX) within the size caps, as
    `rows_from_csv` returns it: raw rows (header first), or (header, columns) for a plain well-formed CSV."""
    check_import_size(size=len(content), limits=limits)
    if filename.lower().endswith((".xlsx", ".xlsm")) or content[:2] == b"PK":
        return rows_from_xlsx(content, limits=limits)
    return rows_from_csv(content)
