"""Run gridcare in child processes against a database of their own, for tests that kill a process mid-run.

The child gets a temporary SQLite file, or a throw-away PostgreSQL database when the suite itself runs
on PostgreSQL; the test reads the child's database directly to check what survived.
"""

import contextlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
GRIDCARE = str(Path(sys.executable).with_name("gridcare"))


@contextlib.contextmanager
def child_database(tmp_path: Path, **extra_env: str):
    """(env, connect) for child processes: env points them at their own database; connect() opens it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDCARE_")}
    env.update(
        PYTHONPATH=str(ROOT), GRIDCARE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="gridcare.settings"
    )
    env.update(extra_env)
    drop = None
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        import psycopg

        base = settings.DATABASES["default"]
        name = f"gc_child_{uuid.uuid4().hex[:8]}"
        dsn = {"host": base["HOST"] or "127.0.0.1", "port": base["PORT"] or 5432, "user": base["USER"],
               "password": base["PASSWORD"] or None}  # fmt: skip
        with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"postgres://{base['USER']}@{dsn['host']}:{dsn['port']}/{name}"

        def connect():
            return psycopg.connect(dbname=name, autocommit=True, **dsn)

        def drop():
            with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        import sqlite3

        env.pop("DATABASE_URL", None)

        def connect():
            return contextlib.closing(sqlite3.connect(tmp_path / "gridcare.sqlite3", timeout=10))

    try:
        yield env, connect
    finally:
        if drop:
            drop()


def gridcare(env, *args, timeout=120):
    """Run `gridcare ARGS` to completion in a child process."""
    return subprocess.run(  # noqa: S603 - our own console script
        [GRIDCARE, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=timeout
    )


def gridcare_start(env, *args, stdout=subprocess.PIPE):
    """Start `gridcare ARGS` in a child process and return it (the caller kills or waits for it)."""
    return subprocess.Popen(  # noqa: S603 - our own console script
        [GRIDCARE, *args], env=env, cwd=ROOT, stdout=stdout, stderr=subprocess.STDOUT, text=True
    )


def wait_for(condition, timeout=60):
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def redis_queue_or_skip(url: str):
    """A flushed Redis database for a test's RQ queue; a skip outside CI when Redis is not running, a failure in CI."""
    import pytest
    import redis

    try:
        client = redis.Redis.from_url(url)
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    client.flushdb()
    return client


def rq_worker_start(env, log):
    """Start `gridcare rqworker` (with the scheduler) in its own process group: RQ forks a work horse per job."""
    return subprocess.Popen(  # noqa: S603 - our own console script
        [GRIDCARE, "rqworker", "--job-class", "django_tasks_rq.Job", "--with-scheduler", "default"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip


def process_group_stop(worker, sig=None):
    """Send `sig` (SIGTERM by default) to the worker's whole process group and wait; SIGKILL if it lingers."""
    import signal

    if worker.poll() is None:
        os.killpg(worker.pid, sig or signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=5)


def once_in_ci(database: str):
    """Mark a slow, process-level test to run once in CI, on `database` ("postgresql" or "sqlite"); CI runs the
    suite on both, and this keeps it under its time budget. Outside CI the test runs on whichever database."""
    import pytest

    engine = settings.DATABASES["default"]["ENGINE"]
    other = not engine.endswith("postgresql" if database == "postgresql" else "sqlite3")
    return pytest.mark.skipif(bool(os.environ.get("CI")) and other, reason=f"runs once in CI, on {database}")
