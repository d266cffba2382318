"""Builders for reading-import tests: files written the way reading devices and spreadsheets write them."""

import csv
import datetime as dt
import io
from pathlib import Path

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.metering.models import Meter

NOW = dt.datetime(2025, 11, 20, 9, 0, tzinfo=BUSINESS_TZ)
REGISTER_HEADER = ["meter_serial", "read_on", "total_kwh"]


def meter_of(acct) -> Meter:
    return acct.meter_installations.get(removed_on__isnull=True).meter


def csv_file(path: Path, rows: list[list], *, header=None, delimiter: str = ",") -> Path:
    """Write a CSV file (UTF-8 with BOM, as Excel saves it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header or REGISTER_HEADER)
    writer.writerows(rows)
    path.write_bytes(("\ufeff" + buffer.getvalue()).encode())
    return path


def xlsx_file(path: Path, rows: list[list], *, header=None) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header or REGISTER_HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def report_rows(path: Path) -> list[list[str]]:
    """The rows of `<file>.errors.csv` (without the header)."""
    text = Path(str(path) + ".errors.csv").read_bytes().decode("utf-8")
    assert text.startswith("\ufeff"), "the report must carry a BOM for Excel"
    return list(csv.reader(io.StringIO(text[1:])))[1:]
