"""A notice about a bill opens that bill; a receipt notice opens the receipt (the portal's inbox)."""

import datetime as dt

import pytest
from django.utils import timezone

from gridcare.notifications import services
from gridcare.payments import services as payments
from tests import factories
from tests.payments.builders import bill
from tests.portal.builders import portal_login

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 11, 20, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def customer(world, client):
    acct = factories.account(world, name="Phạm Thị Dung")
    portal_login(acct)
    client.force_login(acct.customer.user)
    return acct


def _inbox(*, acct, template, context, at=NOW):
    services.notify(topic="bills" if template == "bill_ready" else "payments", recipients=[acct.pk], template=template,
                    context=context, channels=["inbox"], now=at, key=f"t:{template}:{at.isoformat()}")  # fmt: skip


def test_bill_ready_and_reminders_link_to_the_bill_and_a_receipt_to_the_receipt(client, customer):
    october = bill(customer, total=120_000, due_date=dt.date(2025, 11, 25), period=dt.date(2025, 10, 1))
    september = bill(customer, total=99_000, due_date=dt.date(2025, 10, 25), period=dt.date(2025, 9, 1))
    _inbox(acct=customer, template="bill_ready", context={"period": "10/2025", "due_on": {"date": "2025-11-25"},
                                                          "amount": {"vnd": 120_000}})  # fmt: skip
    _inbox(acct=customer, template="payment_overdue", context={"due_on": {"date": "2025-10-25"}, "amount": {"vnd": 99_000}},
           at=NOW + dt.timedelta(minutes=1))  # fmt: skip
    payment, _new = payments.payment_record(channel="counter", reference="Q-9", account=customer, amount=99_000,
                                            received_at=timezone.now())  # fmt: skip
    _inbox(acct=customer, template="payment_receipt", at=NOW + dt.timedelta(minutes=2), context={
        "amount": {"vnd": 99_000}, "receipt": payment.receipt_number, "paid_at": {"datetime": NOW.isoformat()},
        "channel": {"vi": "quầy thu", "en": "counter", "fr": "guichet"}})  # fmt: skip
    html = client.get(f"/accounts/{customer.code}/notifications/").content.decode()
    assert f'href="/accounts/{customer.code}/bills/{october.number}/"' in html
    assert f'href="/accounts/{customer.code}/bills/{september.number}/"' in html
    assert f'href="/accounts/{customer.code}/receipts/{payment.receipt_number}/"' in html
    assert client.get(f"/accounts/{customer.code}/bills/{october.number}/").status_code == 200
    assert client.get(f"/accounts/{customer.code}/receipts/{payment.receipt_number}/").status_code == 200


def test_a_notice_about_a_bill_that_is_gone_has_no_link_and_other_notices_none(client, customer):
    cancelled = bill(
        customer,
        total=50_000,
        due_date=dt.date(2025, 11, 25),
        period=dt.date(2025, 10, 1),
        status="cancelled",
    )
    _inbox(acct=customer, template="bill_ready", context={"period": "10/2025", "due_on": {"date": "2025-11-25"},
                                                          "amount": {"vnd": 50_000}})  # fmt: skip
    html = client.get(f"/accounts/{customer.code}/notifications/").content.decode()
    assert cancelled.number not in html and "Xem hoá đơn" not in html


def test_the_links_cost_one_query_for_one_notice_or_many(client, customer):
    for month in range(1, 7):
        bill(
            customer,
            total=100_000 + month,
            due_date=dt.date(2025, month + 1, 20),
            period=dt.date(2025, month, 1),
        )
    _inbox(
        acct=customer,
        template="bill_ready",
        context={"period": "01/2025", "due_on": {"date": "2025-02-20"}, "amount": {"vnd": 1}},
    )
    url = f"/accounts/{customer.code}/notifications/"
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for month in range(2, 7):
        _inbox(acct=customer, template="bill_ready", at=NOW + dt.timedelta(minutes=month),
               context={"period": f"{month:02d}/2025", "due_on": {"date": f"2025-{month + 1:02d}-20"}, "amount": {"vnd": 1}})  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert html.count("Xem hoá đơn") == 6
    # The links cost one query of bills, whatever the number of notices (the messages' own rendering is not ours).
    bill_queries = [
        len([q for q in run.captured_queries if '"billing_bill"' in q["sql"]]) for run in (one, many)
    ]
    assert bill_queries == [1, 1]
