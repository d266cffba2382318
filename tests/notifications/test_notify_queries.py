"""What a one-customer notice costs (a payment receipt, a one-time code), pinned: it runs inside busy requests."""

import pytest
from django.db import connection

from gridcare.notifications import services
from gridcare.notifications.models import OutboxMessage
from tests.notifications.builders import contact_account

pytestmark = pytest.mark.django_db

# PostgreSQL: the notice (INSERT … ON CONFLICT), the outbox rows (the ids inside the statement), the counters
# (UPDATE … RETURNING); it was 18 with a temporary table, savepoints and settings. SQLite stages in a table.
ONE_CUSTOMER_QUERIES = {"postgresql": 3, "sqlite": 9}


def test_a_notice_to_one_customer_takes_a_fixed_few_queries(world, django_assert_max_num_queries):
    acct = contact_account(world, phone="+84901000009")
    with django_assert_max_num_queries(ONE_CUSTOMER_QUERIES[connection.vendor]):
        notice = services.notify(topic="payments", recipients=[acct.pk], template="receipt_test",
                                 context={"amount": {"vnd": 1000}}, key="receipt-test-1")  # fmt: skip
    assert (notice.recipients, notice.messages, notice.account_id) == (1, 1, acct.pk)
    assert list(OutboxMessage.objects.filter(notice=notice).values_list("channel", flat=True)) == ["sms"]
    again = services.notify(
        topic="payments", recipients=[acct.pk], template="receipt_test", key="receipt-test-1"
    )
    assert (again.pk, again.recipients, again.messages) == (notice.pk, 1, 1)  # the same key: nothing twice
