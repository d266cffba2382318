"""One bill run spread over two real RQ workers on a real Redis; one worker killed with SIGKILL mid-run.

The run is started the way the back office and the API start it (`bill_run_execute_task`); its chunks are tasks
that both workers take. The killed worker's chunk stays pending (its transaction rolled back), the run's watch
task queues it again after the chunk lease, and the survivor bills it: every account is billed exactly once.
"""

import os
import signal
import time

from tests.processes import (
    child_database,
    once_in_ci,
    process_group_stop,
    redis_queue_or_skip,
    rq_worker_start,
    wait_for,
)
from tests.processes import gridcare as run_gridcare

pytestmark = once_in_ci("postgresql")

ACCOUNTS = 160
REDIS_URL = os.environ.get("GRIDCARE_TEST_REDIS_URL_BILLING", "redis://127.0.0.1:6379/13")

SETUP = """
import datetime as dt
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
call_command("migrate", verbosity=0)
from gridcare.billing import services
from gridcare.billing.tasks import bill_run_execute_task
from tests import factories

world = factories.utility()
for i in range(%d):
    acct = factories.account(world, phone=f"+84909{i:06d}")
    factories.readings(acct, [10 * i, 10 * i + 100 + i, 10 * i + 230 + 2 * i], start=dt.date(2025, 5, 5))
run = services.bill_run_create(period=dt.date(2025, 7, 1), route=None, now=timezone.now())
bill_run_execute_task.enqueue(run.pk)
"""


def test_a_run_on_two_rq_workers_one_killed_bills_each_account_once(tmp_path):
    redis_queue_or_skip(REDIS_URL)
    workers = []
    try:
        with child_database(
            tmp_path, TASKS_BACKEND="gridcare.core.tasks_rq.RQBackend", REDIS_URL=REDIS_URL,
            GRIDCARE_BILL_RUN_CHUNK_SIZE="5", GRIDCARE_BILL_RUN_CHUNK_LEASE_SECONDS="3",
            GRIDCARE_BILL_RUN_WATCH_SECONDS="1", GRIDCARE_NOTIFY_QUIET_HOURS="0-0",
        ) as (env, connect):  # fmt: skip

            def query(sql):
                with connect() as conn:
                    return conn.execute(sql).fetchall()

            run_gridcare(env, "shell", "-c", SETUP % ACCOUNTS, timeout=300)
            logs = [open(tmp_path / f"worker{i}.log", "w") for i in (1, 2)]  # noqa: SIM115 - closed with the test
            workers = [rq_worker_start(env, log) for log in logs]
            assert wait_for(lambda: query("SELECT COUNT(*) FROM billing_bill")[0][0] >= ACCOUNTS // 4, 120), (
                "the workers never started billing"
            )
            process_group_stop(workers[0], signal.SIGKILL)
            at_kill = query("SELECT COUNT(*) FROM billing_bill")[0][0]
            assert at_kill < ACCOUNTS, "the kill must land mid-run"
            finished = wait_for(lambda: query("SELECT status FROM billing_billrun")[0][0] == "done", 300)
            assert finished, query("SELECT status, accounts_done FROM billing_billrun")
            time.sleep(0.5)
            per_account = query(
                "SELECT account_id, COUNT(*) FROM billing_bill WHERE period = '2025-07-01' GROUP BY account_id"
            )
            chunks = query("SELECT status, COUNT(*) FROM billing_billrunchunk GROUP BY status")
            done, billed = query("SELECT accounts_done, bills_created FROM billing_billrun")[0]
            notices = query("SELECT COUNT(DISTINCT account_id), COUNT(*) FROM notifications_outboxmessage")[0]
    finally:
        for worker in workers:
            process_group_stop(worker)
    assert len(per_account) == ACCOUNTS and {n for _a, n in per_account} == {1}
    assert dict(chunks) == {"done": ACCOUNTS // 5}
    assert (done, billed) == (ACCOUNTS, ACCOUNTS)
    # One "bill ready" message per account (its chunk's notice was written in the chunk's transaction).
    assert notices[0] == notices[1] == ACCOUNTS
    took = [(tmp_path / f"worker{i}.log").read_text().count("bill_run_chunk_task") for i in (1, 2)]
    assert all(count > 0 for count in took), f"both workers took chunks: {took}"
