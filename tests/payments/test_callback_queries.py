"""The cost of one gateway callback, pinned: the settle path's round trips are the callback rate on a loaded server."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from gridcare.notifications.models import OutboxMessage
from gridcare.payments.models import Payment, PaymentOrder, PaymentOrderBill
from tests import factories
from tests.payments.builders import bill
from tests.payments.signing import vnpay_ipn

pytestmark = pytest.mark.django_db

# Settle (the order with its bills, payment, account lock, the allocator's one read and its insert, order update,
# the receipt's notice, outbox rows and counters, the callback log, commit: one transaction). Was 37 on PostgreSQL
# before the savepoints, the temporary table of a one-customer notice and the per-payment sums went, then 15
# before the allocator's reads became one plain-SQL query and the log joined the settling transaction.
SETTLE_QUERIES = {"postgresql": 12, "sqlite": 17}
REPLAY_QUERIES = {"postgresql": 6, "sqlite": 6}


def test_a_callback_settles_in_a_fixed_number_of_queries_and_a_replay_in_fewer(
    world, django_assert_max_num_queries
):
    acct = factories.account(world, phone="+84901234567")
    owed = bill(acct, total=120_000, due_date=dt.date(2025, 7, 10))
    order = PaymentOrder.objects.create(reference="GCQUERIES1", gateway="vnpay", account=acct, amount=120_000,
                                        created_at=dt.datetime(2025, 8, 1, tzinfo=dt.UTC),
                                        expires_at=dt.datetime(2025, 8, 1, 0, 15, tzinfo=dt.UTC))  # fmt: skip
    PaymentOrderBill.objects.create(order=order, bill=owed, amount=120_000)
    ipn = vnpay_ipn(tmn_code=settings.GRIDCARE_VNPAY_TMN_CODE, secret=settings.GRIDCARE_VNPAY_HASH_SECRET,
                    reference=order.reference, amount=120_000, transaction_no=4242)  # fmt: skip
    client = Client()
    with django_assert_max_num_queries(SETTLE_QUERIES[connection.vendor]):
        assert client.get("/payments/vnpay/ipn/", ipn).json()["RspCode"] == "00"
    with django_assert_max_num_queries(REPLAY_QUERIES[connection.vendor]):
        assert client.get("/payments/vnpay/ipn/", ipn).json()["RspCode"] == "02"
    payment = Payment.objects.get()
    assert (payment.amount, payment.allocations.get().bill_id) == (120_000, owed.pk)
    assert OutboxMessage.objects.filter(account=acct, notice__key=f"payment_receipt:{payment.pk}").exists()
