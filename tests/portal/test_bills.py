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
