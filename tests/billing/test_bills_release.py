"""Releasing held bills is one set-based operation: one UPDATE, one notice, the same queries for 3 or 30 bills."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridcare.billing import billwrites, services
from gridcare.billing.models import Bill
from gridcare.core.models import AuditEntry
from gridcare.notifications.models import Notice, OutboxMessage
from tests import factories

NOW = dt.datetime(2025, 7, 20, 9, 0, tzinfo=dt.UTC)
JULY = dt.date(2025, 7, 1)


def held_bills(world, count, *, period=JULY, first_total=100_000):
    bills = []
    for i in range(count):
        acct = factories.account(world, email=f"kh{i}@example.vn")
        bills.append(Bill.objects.create(
            number=f"T{period:%Y%m}-{acct.pk:09d}", account=acct, period=period, status=Bill.Status.HELD,
            start_date=period - dt.timedelta(days=26), end_date=period + dt.timedelta(days=4), days=30,
            start_index=0, end_index=100, kwh=100, subtotal=first_total + i, vat=0, total=first_total + i,
            created_at=NOW,
        ))  # fmt: skip
    return bills


@pytest.fixture
def notify_calls(monkeypatch):
    calls = []
    real = billwrites.notify

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(billwrites, "notify", spy)
    return calls


def test_releasing_many_held_bills_issues_them_all_with_one_notice(world, notify_calls):
    bills = held_bills(world, 5)
    released = services.bills_release(bills=Bill.objects.filter(status=Bill.Status.HELD), now=NOW)
    assert released == 5
    assert set(Bill.objects.values_list("status", "issued_at", "due_date")) == {
        ("issued", NOW, dt.date(2025, 7, 30))
    }
    assert len(notify_calls) == 1
    notice = Notice.objects.get()
    assert notice.template_key == "bill_ready" and notice.recipients == 5
    emailed = sorted(OutboxMessage.objects.filter(channel="email").values_list("account_id", "context"))
    assert emailed == sorted((b.account_id, {"amount": {"vnd": 100_000 + i}}) for i, b in enumerate(bills))
    audited = AuditEntry.objects.filter(object_type="billing.bill", reason="release")
    assert sorted(int(pk) for pk in audited.values_list("object_id", flat=True)) == sorted(
        b.pk for b in bills
    )


def test_the_queries_and_the_notices_do_not_grow_with_the_number_of_bills(world, notify_calls):
    few = held_bills(world, 3)
    many = held_bills(world, 30, first_total=200_000)
    with CaptureQueriesContext(connection) as for_three:
        assert services.bills_release(bills=[b.pk for b in few], now=NOW) == 3
    with CaptureQueriesContext(connection) as for_thirty:
        assert services.bills_release(bills=Bill.objects.filter(pk__in=[b.pk for b in many]), now=NOW) == 30
    assert len(for_thirty.captured_queries) == len(for_three.captured_queries)
    assert len(notify_calls) == 2 and Notice.objects.count() == 2
    assert OutboxMessage.objects.filter(channel="email").count() == 33


def test_a_retry_releases_nothing_twice_and_leaves_other_bills_alone(world, notify_calls):
    held = held_bills(world, 2)
    issued = held_bills(world, 1, period=dt.date(2025, 6, 1))[0]
    Bill.objects.filter(pk=issued.pk).update(status=Bill.Status.ISSUED, issued_at=NOW - dt.timedelta(days=30))
    assert services.bills_release(bills=[b.pk for b in held] + [issued.pk], now=NOW) == 2
    assert services.bills_release(bills=[b.pk for b in held] + [issued.pk], now=NOW) == 0
    issued.refresh_from_db()
    assert issued.issued_at == NOW - dt.timedelta(days=30)
    assert len(notify_calls) == 1 and Notice.objects.get().recipients == 2


def test_bills_of_two_periods_get_one_notice_per_period(world, notify_calls):
    june = held_bills(world, 2, period=dt.date(2025, 6, 1))
    july = held_bills(world, 2)
    assert services.bills_release(bills=[b.pk for b in june + july], now=NOW) == 4
    assert sorted(n.context["period"] for n in Notice.objects.all()) == ["06/2025", "07/2025"]


def test_releasing_one_bill_still_refuses_a_bill_that_is_not_held(world):
    bill = held_bills(world, 1)[0]
    assert services.bill_release(bill=bill, now=NOW).status == Bill.Status.ISSUED
    with pytest.raises(services.BillingError):
        services.bill_release(bill=bill, now=NOW)
    assert Notice.objects.count() == 1
