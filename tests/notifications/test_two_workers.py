"""Two real delivery workers on a slow provider never send one key twice.

Each worker is a `gridcare notifications-deliver` process against a database of its own (a temporary
SQLite file, or a throw-away PostgreSQL database when the suite runs on PostgreSQL). The local SMS server
answers each request after 0.2 s, one request at a time per worker, so a batch of 20 takes 4 s while its
claim's lease (2 s, the batch's paced time being almost nothing at 1000/s) runs out half-way. The
second worker starts while the first is in the second half of its batch: unless the first keeps its
lease alive and checks it before each send, the second takes its rows and both send them.
"""

import signal
import subprocess
from collections import Counter

from tests.notifications.servers import SmsServer
from tests.processes import child_database, gridcare_start, wait_for
from tests.processes import gridcare as run_gridcare

RECIPIENTS = 60

SETUP = """
from django.core.management import call_command
from django.db import transaction
call_command("migrate", verbosity=0)
from gridcare.notifications.models import Template
from gridcare.notifications.services import notify
from tests import factories
world = factories.utility()
ids = [factories.account(world, phone=f"+84906{i:06d}").pk for i in range(%d)]
Template.objects.create(key="two", topic="programmes", channel="sms", language="vi", body="Thu nghiem {customer_code}")
with transaction.atomic():
    notify(topic="programmes", recipients=ids, template="two", urgency="urgent", key="two-workers")
"""
STATE_SQL = "SELECT status FROM notifications_outboxmessage WHERE channel = 'sms'"


def test_two_workers_on_a_slow_provider_send_each_key_once(tmp_path):
    server = SmsServer().start()
    server.delay = 0.2
    workers = []
    try:
        with child_database(
            tmp_path, GRIDCARE_SMS_URL=f"{server.url}/v1/messages", GRIDCARE_SMS_API_KEY=server.api_key,
            GRIDCARE_NOTIFY_RATE_LIMITS="sms=1000", GRIDCARE_NOTIFY_BATCH_SIZE="20",
            GRIDCARE_NOTIFY_LEASE_SECONDS="2", GRIDCARE_NOTIFY_SEND_CONCURRENCY="1",
            GRIDCARE_NOTIFY_HTTP_TIMEOUT="5", GRIDCARE_NOTIFY_QUIET_HOURS="0-0",
        ) as (env, connect):  # fmt: skip

            def statuses():
                with connect() as conn:
                    return Counter(status for (status,) in conn.execute(STATE_SQL).fetchall())

            run_gridcare(env, "shell", "-c", SETUP % RECIPIENTS)
            log = open(tmp_path / "workers.log", "w")  # noqa: SIM115 - closed below
            command = ("notifications-deliver", "--channel", "sms", "--idle-sleep", "0.1")
            workers.append(gridcare_start(env, *command, stdout=log))
            # The first worker is 2.4 s into its first batch: its claim's original lease has run out.
            assert wait_for(lambda: len(server.accepted) >= 12, 60), "the first worker never started sending"
            workers.append(gridcare_start(env, *command, stdout=log))
            settled = lambda: set(statuses()) <= {"sent", "failed"}  # noqa: E731
            assert wait_for(settled, 120), f"still being sent: {statuses()}"
            assert wait_for(lambda: server.in_flight == 0, 10)
            final = statuses()
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
        server.stop()
    assert sum(server.duplicates.values()) == 0, f"sent twice: {dict(server.duplicates)}"
    assert server.requests == RECIPIENTS
    assert final == {"sent": RECIPIENTS} and len(server.accepted) == RECIPIENTS
