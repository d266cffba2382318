"""The demo's history for the 2025 recognition lists: the previous system's invoices make top savers findable, are
paid (nobody owes them) and chain to the index of the first demo bill."""

import datetime as dt

import pytest
from django.utils import timezone

from gridcare.billing.models import Bill
from gridcare.demo import campaigns_history
from gridcare.insights import selectors as insights
from gridcare.payments import selectors as payments
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_previous_systems_invoices_give_top_savers_and_owe_nothing(world):
    homes = [factories.account(world, name=f"Hộ {i}", phone=f"+8494000{i:04d}") for i in range(12)]
    for acct in homes:  # the demo's first bill: December 2025, the index at 50,000
        Bill.objects.create(number=f"DEMO-{acct.pk}", account=acct, period=dt.date(2025, 12, 1), status=Bill.Status.ISSUED,
                            start_date=dt.date(2025, 11, 20), end_date=dt.date(2025, 12, 20), days=30, start_index=50_000,
                            end_index=50_150, kwh=150, subtotal=300_000, vat=24_000, total=324_000, created_at=timezone.now())  # fmt: skip
    assert insights.top_savers(since=dt.date(2025, 1, 1), until=dt.date(2026, 1, 1)) == []
    made = campaigns_history.saver_history_load(year=2025, now=timezone.now())
    assert made == 12 * 23  # January 2024 to November 2025 for each household
    assert campaigns_history.saver_history_load(year=2025, now=timezone.now()) == 0  # once
    savers = insights.top_savers(since=dt.date(2025, 1, 1), until=dt.date(2026, 1, 1))
    assert savers and all(s.figure > 0 for s in savers)
    first = homes[0]
    chain = list(
        Bill.objects.filter(account=first).order_by("period").values_list("start_index", "end_index")
    )
    assert (
        len(chain) == 24
        and all(a[1] == b[0] for a, b in zip(chain, chain[1:], strict=False))
        and chain[-1][0] == 50_000
    )
    assert all(
        payments.bills_outstanding(account=acct).exclude(number__startswith="DEMO-").count() == 0
        for acct in homes
    )
