"""A customer reads their bills in the portal and downloads them; never another customer's, never a held one."""

import datetime as dt

import pytest

from gridcare.billing import services
from gridcare.billing.models import Bill
from tests import factories
from tests.backoffice.builders import customer_user

NOW = dt.datetime(2025, 7, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def billed(world):
    mine = factories.account(world)
    factories.readings(mine, [100, 200, 400], start=dt.date(2025, 5, 5))
    other = factories.account(world, name="Trần Thị Bình")
    factories.readings(other, [100, 200, 300], start=dt.date(2025, 5, 5))
    for period in (dt.date(2025, 6, 1), dt.date(2025, 7, 1)):
        services.bill_run_execute(run=services.bill_run_create(period=period, route=None, now=NOW), now=NOW)
    return mine, other


def test_the_account_page_lists_issued_bills_but_not_held_ones(client, billed):
    mine, _ = billed
    client.force_login(customer_user(mine))
    page = client.get(f"/accounts/{mine.code}/").content.decode()
    june = Bill.objects.get(account=mine, period=dt.date(2025, 6, 1))
    july = Bill.objects.get(account=mine, period=dt.date(2025, 7, 1))
    assert july.status == Bill.Status.HELD
    assert f"/bills/{june.number}/" in page and f"/bills/{july.number}/" not in page
    assert client.get(f"/accounts/{mine.code}/bills/{july.number}/").status_code == 404


def test_a_bill_page_shows_lines_explanation_and_offers_the_pdf(client, billed):
    mine, _ = billed
    client.force_login(customer_user(mine))
    june = Bill.objects.get(account=mine, period=dt.date(2025, 6, 1))
    page = client.get(f"/accounts/{mine.code}/bills/{june.number}/").content.decode()
    assert "Bậc 1" in page and "Thuế GTGT" in page and "<svg" in page
    pdf = client.get(f"/accounts/{mine.code}/bills/{june.number}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_another_customers_bill_is_not_found(client, billed):
    mine, other = billed
    client.force_login(customer_user(mine))
    theirs = Bill.objects.filter(account=other).first()
    assert client.get(f"/accounts/{other.code}/bills/{theirs.number}/").status_code == 404
    assert client.get(f"/accounts/{mine.code}/bills/{theirs.number}/").status_code == 404
    assert client.get(f"/accounts/{mine.code}/bills/{theirs.number}/pdf/").status_code == 404


def _cancel_held_the_old_way(held: Bill) -> Bill:
    """A credit note as earlier versions of `bill_cancel` made for a held bill (issued, shown to the customer)."""
    note = Bill.objects.create(
        number=f"DC-{held.number}", kind=Bill.Kind.CREDIT_NOTE, account=held.account, period=held.period,
        status=Bill.Status.ISSUED, start_date=held.start_date, end_date=held.end_date, days=held.days,
        start_index=held.start_index, end_index=held.end_index, kwh=-held.kwh, subtotal=-held.subtotal,
        vat=-held.vat, total=-held.total, created_at=NOW, issued_at=NOW, refers_to=held,
    )  # fmt: skip
    Bill.objects.filter(pk=held.pk).update(status=Bill.Status.CANCELLED)
    return note


def test_a_held_bill_cancelled_is_never_shown_nor_any_credit_note(client, billed):
    mine, _ = billed
    july = Bill.objects.get(account=mine, period=dt.date(2025, 7, 1))
    assert july.status == Bill.Status.HELD
    assert services.bill_cancel(bill=july, reason="Chỉ số ghi nhầm", now=NOW) is None
    july.refresh_from_db()
    assert july.status == Bill.Status.CANCELLED and july.issued_at is None
    assert not Bill.objects.filter(kind=Bill.Kind.CREDIT_NOTE, refers_to=july).exists()
    client.force_login(customer_user(mine))
    page = client.get(f"/accounts/{mine.code}/").content.decode()
    assert f"/bills/{july.number}/" not in page
    assert client.get(f"/accounts/{mine.code}/bills/{july.number}/").status_code == 404
    assert client.get(f"/accounts/{mine.code}/bills/{july.number}/pdf/").status_code == 404


def test_a_credit_note_of_a_never_issued_bill_is_hidden_from_the_customer(client, billed):
    mine, _ = billed
    note = _cancel_held_the_old_way(Bill.objects.get(account=mine, period=dt.date(2025, 7, 1)))
    june = Bill.objects.get(account=mine, period=dt.date(2025, 6, 1))
    client.force_login(customer_user(mine))
    page = client.get(f"/accounts/{mine.code}/").content.decode()
    assert f"/bills/{june.number}/" in page and f"/bills/{note.number}/" not in page
    assert client.get(f"/accounts/{mine.code}/bills/{note.number}/").status_code == 404
    assert client.get(f"/accounts/{mine.code}/bills/{note.number}/pdf/").status_code == 404


def test_an_issued_bill_cancelled_shows_with_its_credit_note(client, billed):
    mine, _ = billed
    june = Bill.objects.get(account=mine, period=dt.date(2025, 6, 1))
    note = services.bill_cancel(bill=june, reason="Ghi sai", now=NOW)
    client.force_login(customer_user(mine))
    page = client.get(f"/accounts/{mine.code}/").content.decode()
    assert f"/bills/{june.number}/" in page and f"/bills/{note.number}/" in page
    assert client.get(f"/accounts/{mine.code}/bills/{note.number}/").status_code == 200
