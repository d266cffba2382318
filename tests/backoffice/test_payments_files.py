"""Staff upload statement files and match the queue in the back office; another team sees and changes nothing."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gridcare.org.models import StaffRole
from gridcare.payments import selectors
from gridcare.payments.models import Payment, StatementImport, StatementLine
from tests import factories
from tests.backoffice.builders import staff, verified_login
from tests.payments.builders import bill

IMPORTS = "/backoffice/payments/statementimport/"
LINES = "/backoffice/payments/statementline/"


def _file(text: str, name="vcb.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.fixture
def acct(world):
    acct = factories.account(world)
    bill(acct, total=120_000, due_date=dt.date(2025, 8, 10))
    return acct


def test_an_operator_uploads_a_file_sees_its_errors_and_matches_the_queue(client, world, acct):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    assert b"upload/" in client.get(IMPORTS).content
    text = (
        "transaction_id,booked_on,amount,description\nA1,04/08/2025,120.000,tien dien\nA2,04/08/2025,abc,x\n"
    )
    response = client.post(f"{IMPORTS}upload/", {"kind": "bank", "source": "vcb", "file": _file(text)})
    assert response.status_code == 302
    statement = StatementImport.objects.get()
    page = client.get(f"{IMPORTS}{statement.pk}/change/").content.decode()
    assert "abc" in page and "Số tiền không hợp lệ" in page
    line = StatementLine.objects.get()
    assert client.get(f"{LINES}?status__exact=unmatched").status_code == 200
    response = client.post(
        f"{LINES}{line.pk}/match/", {"customer_code": acct.code.lower(), "bill_number": ""}
    )
    assert response.status_code == 302
    assert (
        Payment.objects.get().account == acct
        and selectors.account_balance(account=acct, today=dt.date(2025, 8, 5)).due == 0
    )


def test_a_file_that_cannot_be_read_is_refused_with_a_sentence(client, world):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    response = client.post(
        f"{IMPORTS}upload/", {"kind": "bank", "source": "VCB", "file": _file("a,b\n1,2\n")}
    )
    assert response.status_code == 200 and "Tiêu đề tệp sao kê không hợp lệ" in response.content.decode()
    assert not StatementImport.objects.exists()


def test_a_viewer_cannot_upload(client, world):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    assert b"upload/" not in client.get(IMPORTS).content
    text = "transaction_id,booked_on,amount,description\nA1,04/08/2025,1,x\n"
    assert (
        client.post(f"{IMPORTS}upload/", {"kind": "bank", "source": "VCB", "file": _file(text)}).status_code
        == 403
    )
    assert not StatementImport.objects.exists()


def test_staff_of_another_team_cannot_see_or_match_a_line_of_the_queue(client, world, acct):
    verified_login(client, staff(unit=world["teams"][1], role=StaffRole.OPERATOR))
    text = "transaction_id,booked_on,amount,description\nB1,04/08/2025,120.000,tien dien\n"
    client.post(f"{IMPORTS}upload/", {"kind": "bank", "source": "VCB", "file": _file(text)})
    line = StatementLine.objects.get()
    client.logout()
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.ADMINISTRATOR))
    assert line.pk not in set(client.get(LINES).context["cl"].queryset.values_list("pk", flat=True))
    assert client.get(f"{LINES}{line.pk}/match/").status_code == 404
    assert client.post(f"{LINES}{line.pk}/match/", {"customer_code": acct.code}).status_code == 404
    assert StatementLine.objects.get().status == "unmatched" and not Payment.objects.exists()
