"""Any unit-scoped list exports to CSV and XLSX: the list's columns in words, scoped by the policy, formula-safe."""

import csv
import io

import openpyxl
import pytest

from gridcare.billing.models import Bill
from gridcare.org.models import StaffRole
from tests import factories
from tests.backoffice import workbench
from tests.backoffice.builders import staff, verified_login


@pytest.fixture
def bills(world):
    mine = factories.account(world, name='=HYPERLINK("http://x")')
    theirs = factories.account(world, team=world["teams"][1], name="Lê Thị Hoa")
    return [
        workbench.bill(mine, status=Bill.Status.HELD, total=1_234_567),
        workbench.bill(theirs, status=Bill.Status.HELD, total=999),
    ]


def _export(client, action, ids=(), select_across=False):
    data = {"action": action, "_selected_action": [str(i) for i in ids], "index": "0"}
    if select_across:
        data["select_across"] = "1"
    return client.post("/backoffice/billing/bill/", data)


def test_the_csv_export_has_the_lists_columns_in_words_and_only_the_teams_rows(client, world, bills):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    response = _export(client, "export_list_csv", ids=[b.pk for b in bills], select_across=True)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "Số hoá đơn", "Mã khách hàng", "Khách hàng", "Kỳ", "Loại", "Trạng thái", "Điện năng tiêu thụ (kWh)",
        "Tổng cộng", "Lý do chờ kiểm tra",
    ]  # fmt: skip
    assert len(rows) == 2  # the other team's bill is not exported, even with "select all"
    row = rows[1]
    assert row[1] == bills[0].account.code
    assert row[2] == '\'=HYPERLINK("http://x")'
    assert row[4:6] == ["hoá đơn", "chờ kiểm tra"]
    assert row[7] == "1.234.567 ₫"


def test_the_xlsx_export_is_a_workbook_with_the_same_rows(client, world, bills):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    response = _export(client, "export_list_xlsx", ids=[bills[0].pk, bills[1].pk])
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    assert len(values) == 2
    assert values[1][1] == bills[0].account.code
    assert values[1][2] == '\'=HYPERLINK("http://x")'
    assert values[1][6] == 100  # numbers stay numbers
