"""The distributed queue: RQ on a real Redis, two `gridcare rqworker` processes, one killed with SIGKILL mid-run.

Only settings change (`TASKS_BACKEND=gridcare.core.tasks_rq.RQBackend`, `REDIS_URL`): the code enqueues the same
`deliver_outbox` task through Django's Tasks API. Both workers take delivery jobs from Redis; one is killed
(its whole process group: RQ runs each job in a forked work horse) while it sends. The survivor's job comes back
while rows are still being sent (their lease may expire), so every message still reaches the provider, and the
provider accepts each outbox key once.
"""

import os
import signal
from collections import Counter

from tests.notifications.servers import SmsServer
from tests.processes import (
    child_database,
    once_in_ci,
    process_group_stop,
    redis_queue_or_skip,
    rq_worker_start,
    wait_for,
)
from tests.processes import gridcare as run_gridcare

pytestmark = once_in_ci("sqlite")

RECIPIENTS = 150
REDIS_URL = os.environ.get("GRIDCARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")

SETUP = """
from django.core.management import call_command
from django.db import transaction
call_command("migrate", verbosity=0)
from gridcare.notifications.models import Template
from gridcare.notifications.services import notify
from gridcare.notifications.tasks import deliver_outbox
from tests import factories

world = factories.utility()
ids = [factories.account(world, phone=f"+84907{i:06d}").pk for i in range(%d)]
Template.objects.create(key="rq", topic="programmes", channel="sms", language="vi", body="Thu nghiem {customer_code}")
with transaction.atomic():
    notify(topic="programmes", recipients=ids, template="rq", urgency="urgent", key="rq-workers")
# notify() enqueued one delivery job; a second stands for another machine's periodic sweep.
deliver_outbox.enqueue("sms")
"""
STATE_SQL = "SELECT id, status FROM notifications_outboxmessage WHERE channel = 'sms' ORDER BY id"


def test_two_rq_workers_one_killed_deliver_every_message_once(tmp_path):
    queue = redis_queue_or_skip(REDIS_URL)
    server = SmsServer().start()
    server.delay = 0.004
    workers = []
    try:
        with child_database(
            tmp_path, TASKS_BACKEND="gridcare.core.tasks_rq.RQBackend", REDIS_URL=REDIS_URL,
            GRIDCARE_SMS_URL=f"{server.url}/v1/messages", GRIDCARE_SMS_API_KEY=server.api_key,
            GRIDCARE_NOTIFY_RATE_LIMITS="sms=100", GRIDCARE_NOTIFY_BATCH_SIZE="40", GRIDCARE_NOTIFY_LEASE_SECONDS="1",
            GRIDCARE_NOTIFY_HTTP_TIMEOUT="5", GRIDCARE_NOTIFY_QUIET_HOURS="0-0",
        ) as (env, connect):  # fmt: skip

            def state():
                with connect() as conn:
                    rows = conn.execute(STATE_SQL).fetchall()
                return Counter(status for _pk, status in rows), sorted(f"gc{pk}" for pk, _s in rows)

            run_gridcare(env, "shell", "-c", SETUP % RECIPIENTS)
            assert queue.dbsize() > 0, "the jobs were not put in Redis"
            logs = [open(tmp_path / f"worker{i}.log", "w") for i in (1, 2)]  # noqa: SIM115 - closed below
            workers = [rq_worker_start(env, log) for log in logs]
            assert wait_for(lambda: len(server.accepted) >= RECIPIENTS // 3, 90), (
                "the workers never started sending"
            )
            process_group_stop(workers[0], signal.SIGKILL)
            at_kill = len(server.accepted)
            assert 0 < at_kill < RECIPIENTS, "the kill must land mid-run"
            assert wait_for(lambda: state()[0] == {"sent": RECIPIENTS}, 120), (
                f"not all delivered: {state()[0]}, provider has {len(server.accepted)}"
            )
            keys = state()[1]
    finally:
        for worker in workers:
            process_group_stop(worker)
        server.stop()
    assert sorted(server.accepted) == keys and len(keys) == RECIPIENTS
    # Repeats the provider dropped can only be messages in flight at the kill (at most one batch).
    assert sum(server.duplicates.values()) <= 40
    started = [(tmp_path / f"worker{i}.log").read_text().count("deliver_outbox") for i in (1, 2)]
    assert all(count > 0 for count in started), f"both workers took delivery jobs: {started}"
