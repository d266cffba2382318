"""A run planned into chunks (one task each, any worker, any order) bills exactly what the one-process run bills.

`tests/billing/test_rq_bill_run.py` runs the chunks on two real RQ workers and kills one of them.
"""

import datetime as dt
import random

import pytest

from gridcare.billing import services
from gridcare.billing.models import Bill, BillRun, BillRunChunk
from tests import factories

NOW = dt.datetime(2025, 7, 20, 9, 0, tzinfo=dt.UTC)
JULY = dt.date(2025, 7, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def households(world):
    accounts = []
    for i in range(23):
        account = factories.account(world, phone=f"+84908{i:06d}")
        # 100 + i kWh in June→July (05/06 → 05/07), 4 accounts without July's reading.
        values = [1000, 1200 + i, 1300 + 2 * i] if i % 6 else [1000, 1200 + i]
        factories.readings(account, values, start=dt.date(2025, 5, 5))
        accounts.append(account)
    return accounts


def _bills(period):
    return sorted(
        Bill.objects.filter(period=period, kind="invoice").values_list("account_id", "kwh", "total")
    )


def test_chunks_in_any_order_bill_each_account_once_like_one_process(world, households):
    june = dt.date(2025, 6, 1)
    services.bill_run_execute(run=services.bill_run_create(period=june, route=None, now=NOW), now=NOW)
    one_process = services.bill_run_execute(
        run=services.bill_run_create(period=JULY, route=None, now=NOW), now=NOW
    )
    expected = _bills(JULY)
    counters = (one_process.accounts_done, one_process.bills_created, one_process.accounts_skipped)
    Bill.objects.filter(period=JULY).delete()  # bill the same month again, chunked this time

    run = services.bill_run_create(period=JULY, route=None, now=NOW)
    pending = services.bill_run_plan(run=run, now=NOW, chunk_size=4)
    assert len(pending) == 6  # 23 accounts in chunks of 4
    chunks = list(
        BillRunChunk.objects.filter(run=run).order_by("after_id").values_list("after_id", "last_id")
    )
    ids = sorted(a.pk for a in households)
    assert chunks[0] == (0, ids[3]) and chunks[-1] == (ids[19], ids[22])
    assert all(chunks[i][1] == chunks[i + 1][0] for i in range(len(chunks) - 1)), (
        "chunks must tile the accounts"
    )

    random.Random(7).shuffle(pending)
    for after_id in pending:
        assert services.bill_run_chunk_execute(run=run, after_id=after_id, now=NOW) is True
    # A chunk queued twice (a worker thought dead, a duplicated job) bills nothing the second time.
    assert services.bill_run_chunk_execute(run=run, after_id=pending[0], now=NOW) is False
    run.refresh_from_db()
    assert run.status == BillRun.Status.DONE
    assert (run.accounts_done, run.bills_created, run.accounts_skipped) == counters == (23, 19, 4)
    assert _bills(JULY) == expected


def test_a_re_plan_keeps_the_chunks_and_adds_only_new_accounts(world, households):
    run = services.bill_run_create(period=JULY, route=None, now=NOW)
    first = services.bill_run_plan(run=run, now=NOW, chunk_size=10)
    services.bill_run_chunk_execute(run=run, after_id=first[0], now=NOW)
    late = factories.account(world)
    again = services.bill_run_plan(run=run, now=NOW, chunk_size=10)
    assert again == first[1:] + [max(a.pk for a in households)]
    assert BillRunChunk.objects.get(run=run, after_id=again[-1]).last_id == late.pk


def test_only_chunks_queued_longer_than_the_lease_are_queued_again(world, households):
    run = services.bill_run_create(period=JULY, route=None, now=NOW)
    pending = services.bill_run_plan(run=run, now=NOW, chunk_size=10)
    services.bill_run_chunk_execute(run=run, after_id=pending[0], now=NOW)
    assert services.bill_run_chunks_stale(run=run, now=NOW + dt.timedelta(seconds=59), lease_seconds=60) == []
    later = NOW + dt.timedelta(seconds=61)
    assert services.bill_run_chunks_stale(run=run, now=later, lease_seconds=60) == pending[1:]
    # Queued again just now: not stale again until another lease has passed.
    assert (
        services.bill_run_chunks_stale(run=run, now=later + dt.timedelta(seconds=30), lease_seconds=60) == []
    )


def test_each_billed_account_gets_one_bill_ready_message_from_a_chunked_run(world, households):
    from gridcare.notifications.models import OutboxMessage

    june = dt.date(2025, 6, 1)
    services.bill_run_execute(
        run=services.bill_run_create(period=june, route=None, now=NOW), now=NOW, notify_customers=False
    )
    run = services.bill_run_create(period=JULY, route=None, now=NOW)
    for after_id in services.bill_run_plan(run=run, now=NOW, chunk_size=4):
        services.bill_run_chunk_execute(run=run, after_id=after_id, now=NOW)
        services.bill_run_chunk_execute(run=run, after_id=after_id, now=NOW)
    billed = set(Bill.objects.filter(period=JULY, status="issued").values_list("account_id", flat=True))
    messages = list(OutboxMessage.objects.values_list("account_id", "channel"))
    assert len(billed) == 19 and len(messages) == len(set(messages)) == 19
    assert {account for account, _channel in messages} == billed
