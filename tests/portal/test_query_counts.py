"""The portal's account and bill pages cost the same number of SQL queries for a new customer and for one with
years of bills and readings (the load test in benchmarks/portal_load.py serves exactly these pages)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridcare.billing import services
from gridcare.billing.models import Bill
from tests import factories
from tests.backoffice.builders import customer_user

NOW = dt.datetime(2026, 7, 20, 9, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


def _customer(world, *, months: int):
    """An account read monthly from 05/2025 for `months` + 1 readings, billed every month, bills released."""
    account = factories.account(world, phone="+84901234567")
    factories.readings(
        account, [1000 + 120 * i + (i % 3) * 9 for i in range(months + 1)], start=dt.date(2025, 5, 5)
    )
    return account


def _bill_all(months: int):
    period = dt.date(2025, 6, 1)
    for _ in range(months):
        services.bill_run_execute(run=services.bill_run_create(period=period, route=None, now=NOW), now=NOW)
        period = (period + dt.timedelta(days=32)).replace(day=1)
    services.bills_release(bills=Bill.objects.filter(status=Bill.Status.HELD), now=NOW)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_account_and_bill_pages_do_not_grow_with_bills_or_readings(client, world):
    new = _customer(world, months=2)
    old = _customer(world, months=13)
    _bill_all(13)
    assert Bill.objects.filter(account=new).count() == 2 and Bill.objects.filter(account=old).count() == 13
    counts = {}
    for account in (new, old):
        client.force_login(customer_user(account))
        latest = Bill.objects.filter(account=account).order_by("-period").first()
        client.get(f"/accounts/{account.code}/")  # the session's first page warms its caches
        counts[account.pk] = (
            _queries(client, f"/accounts/{account.code}/"),
            _queries(client, f"/accounts/{account.code}/bills/{latest.number}/"),
        )
        client.logout()
    assert counts[new.pk] == counts[old.pk], counts
