"""A real `gridcare db_worker` killed with SIGKILL mid-batch loses nothing and sends nothing twice per key.

The worker runs in its own process against its own database (a temporary SQLite file, or a
throw-away PostgreSQL database when the suite runs on PostgreSQL) and delivers SMS to the local
provider server of this test process, which counts what it accepted per client reference.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from tests.notifications.servers import SmsServer

ROOT = Path(__file__).resolve().parents[2]
GRIDCARE = str(Path(sys.executable).with_name("gridcare"))
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
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDCARE_")}
    env.update(
        PYTHONPATH=str(ROOT), GRIDCARE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="gridcare.settings",
        GRIDCARE_SMS_URL=f"{server.url}/v1/messages", GRIDCARE_SMS_API_KEY=server.api_key,
        GRIDCARE_NOTIFY_RATE_LIMITS="sms=100", GRIDCARE_NOTIFY_BATCH_SIZE="40", GRIDCARE_NOTIFY_LEASE_SECONDS="1",
        GRIDCARE_NOTIFY_HTTP_TIMEOUT="5",
    )  # fmt: skip
    dropdb = None
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        import psycopg

        base = settings.DATABASES["default"]
        name = f"gc_notify_crash_{uuid.uuid4().hex[:8]}"
        dsn = {"host": base["HOST"] or "127.0.0.1", "port": base["PORT"] or 5432, "user": base["USER"], "password": base["PASSWORD"] or None}
        with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"postgres://{base['USER']}@{dsn['host']}:{dsn['port']}/{name}"

        def connect():
            return psycopg.connect(dbname=name, autocommit=True, **dsn)

        def dropdb():
            with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        import sqlite3

        env.pop("DATABASE_URL", None)

        def connect():
            return contextlib.closing(sqlite3.connect(tmp_path / "gridcare.sqlite3", timeout=10))
    env["_connect"] = connect
    yield server, env
    server.stop()
    if dropdb:
        dropdb()


def gridcare(env, *args):
    env = {k: v for k, v in env.items() if not k.startswith("_")}
    return subprocess.run(  # noqa: S603 - our own console script
        [GRIDCARE, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=120
    )


def state(env):
    """{"status": {status: n}, "keys": [...]} read straight from the worker's database."""
    with env["_connect"]() as conn:
        rows = conn.execute(STATE_SQL).fetchall()
    return {"status": dict(Counter(status for _pk, status in rows)), "keys": sorted(f"gc{pk}" for pk, _s in rows)}


def start_worker(env, log):
    env = {k: v for k, v in env.items() if not k.startswith("_")}
    return subprocess.Popen(  # noqa: S603 - our own console script
        [GRIDCARE, "db_worker", "--interval", "0.05", "--no-startup-delay"], env=env, cwd=ROOT, stdout=log, stderr=log
    )


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_killed_worker_loses_nothing_and_sends_each_key_once(worker_env, tmp_path):
    server, env = worker_env
    t0 = time.monotonic()
    gridcare(env, "shell", "-c", SETUP % RECIPIENTS)
    print(f"setup {time.monotonic() - t0:.1f}s")
    with open(tmp_path / "worker.log", "w") as log:
        worker = start_worker(env, log)
        try:
            assert wait_for(lambda: len(server.accepted) >= RECIPIENTS // 3), "the worker never started sending"
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
            assert wait_for(lambda: len(server.accepted) >= RECIPIENTS and state(env)["status"] == {"sent": RECIPIENTS}, 90), (
                f"not all delivered: {state(env)['status']}, provider has {len(server.accepted)}"
            )
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
