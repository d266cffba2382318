"""Cells that are safe to open in a spreadsheet (CSV/formula injection) and the row limit of one sheet.

Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-` or `@` as a formula (and a
leading tab or carriage return hides such a start), so a customer name like `=HYPERLINK(...)` in an export
would be a live link or command on a staff member's machine. Such a cell gets a leading apostrophe, which
spreadsheets show as text and do not display.

A plain number (`-5`, `+84`, `-1.5`) is data, not a formula: it is written as it is, so negative amounts
(credit notes) and readings stay numbers. Only numbers written plainly count (digits, one optional sign, one
optional decimal point); `-1+2` or `-A1` are neutralised.
"""

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# 1,048,576 rows per sheet in Excel and LibreOffice, the header included.
SPREADSHEET_MAX_ROWS = 1_048_576
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def safe_cell(value):
    """`value` as a spreadsheet shows it, never as a formula: a text starting like one gets a leading `'`."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_row(row) -> list:
    """Every cell of `row` through `safe_cell`."""
    return [safe_cell(value) for value in row]
