"""A real `gridcare db_worker` killed with SIGKILL mid-batch loses nothing and sends nothing twice per key.

The worker runs in its own process against its own database (a temporary SQLite file, or a
throw-away PostgreSQL database when the suite runs on PostgreSQL) and delivers SMS to the local
provider server of this test process, which counts what it accepted per client reference.
"""

import os
import signal
import subprocess
import time
from collections import Counter

import pytest

from tests.notifications.servers import SmsServer
from tests.processes import child_database, gridcare_start, wait_for
from tests.processes import gridcare as run_gridcare

RECIPIENTS = 150

SETUP = """
from django.core.management import call_command
from django.db import transaction
call_command("migrate", verbosity=0)
from gridcare.customers.models import Account
from gridcare.notifications.models import Template
from gridcare.notifications.services import notify
from tests import factories
world = factories.utility()
ids = [factories.account(world, phone=f"+84905{i:06d}").pk for i in range(%d)]
Template.objects.create(key="crash", topic="programmes", channel="sms", language="vi", body="Thu nghiem {customer_code}")
with transaction.atomic():
    notify(topic="programmes", recipients=ids, template="crash", urgency="urgent", key="crash-test")
# A second delivery task stands for the periodic sweep: the killed worker's task never finishes.
from gridcare.notifications.tasks import deliver_outbox
deliver_outbox.enqueue("sms")
"""
STATE_SQL = "SELECT id, status FROM notifications_outboxmessage WHERE channel = 'sms' ORDER BY id"


@pytest.fixture
def worker_env(tmp_path):
    server = SmsServer().start()
    server.delay = 0.004
    try:
        with child_database(
            tmp_path, GRIDCARE_SMS_URL=f"{server.url}/v1/messages", GRIDCARE_SMS_API_KEY=server.api_key,
            GRIDCARE_NOTIFY_RATE_LIMITS="sms=100", GRIDCARE_NOTIFY_BATCH_SIZE="40", GRIDCARE_NOTIFY_LEASE_SECONDS="1",
            GRIDCARE_NOTIFY_HTTP_TIMEOUT="5",
        ) as (env, connect):  # fmt: skip
            env["_connect"] = connect
            yield server, env
    finally:
        server.stop()


def gridcare(env, *args):
    return run_gridcare({k: v for k, v in env.items() if not k.startswith("_")}, *args)


def state(env):
    """{"status": {status: n}, "keys": [...]} read straight from the worker's database."""
    with env["_connect"]() as conn:
        rows = conn.execute(STATE_SQL).fetchall()
    return {
        "status": dict(Counter(status for _pk, status in rows)),
        "keys": sorted(f"gc{pk}" for pk, _s in rows),
    }


def start_worker(env, log):
    env = {k: v for k, v in env.items() if not k.startswith("_")}
    return gridcare_start(env, "db_worker", "--interval", "0.05", "--no-startup-delay", stdout=log)


def test_killed_worker_loses_nothing_and_sends_each_key_once(worker_env, tmp_path):
    server, env = worker_env
    t0 = time.monotonic()
    gridcare(env, "shell", "-c", SETUP % RECIPIENTS)
    print(f"setup {time.monotonic() - t0:.1f}s")
    with open(tmp_path / "worker.log", "w") as log:
        worker = start_worker(env, log)
        try:
            assert wait_for(lambda: len(server.accepted) >= RECIPIENTS // 3), (
                "the worker never started sending"
            )
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        at_kill = len(server.accepted)
        print(f"killed {time.monotonic() - t0:.1f}s at {at_kill}")
        assert 0 < at_kill < RECIPIENTS, "the kill must land mid-run"
        before = state(env)
        assert before["status"].get("sending", 0) > 0 or before["status"].get("queued", 0) > 0

        worker = start_worker(env, log)
        try:
            assert wait_for(
                lambda: len(server.accepted) >= RECIPIENTS and state(env)["status"] == {"sent": RECIPIENTS},
                90,
            ), f"not all delivered: {state(env)['status']}, provider has {len(server.accepted)}"
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
    print(f"done {time.monotonic() - t0:.1f}s")
    after = state(env)
    # Every outbox key reached the provider, and the provider accepted each exactly once.
    assert sorted(server.accepted) == after["keys"]
    assert len(after["keys"]) == RECIPIENTS
    # Repeats the provider dropped can only be messages in flight at the kill (at most one batch).
    assert sum(server.duplicates.values()) <= 40
    assert all(payload["to"].startswith("+84905") for payload in server.accepted.values())
