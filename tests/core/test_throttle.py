"""Sign-in counters live in the shared cache: two processes (two cache clients) see the same counts."""

import datetime as dt
import os
import socket
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache

from gridcare.core import throttle
from gridcare.customers import signin

REDIS_URL = os.environ.get("GRIDCARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WINDOW = dt.timedelta(minutes=15)


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


class _Caches(dict):
    """`caches[alias]` of one process: its own client of the shared Redis."""


@pytest.mark.django_db
@pytest.mark.skipif(not _redis_reachable() and not os.environ.get("CI"), reason="no Redis on 127.0.0.1:6379")
def test_two_processes_share_sign_in_counters_through_redis(monkeypatch, settings):
    prefix = f"gc-test-{uuid.uuid4().hex}"
    first = RedisCache(REDIS_URL, {"KEY_PREFIX": prefix})
    second = RedisCache(REDIS_URL, {"KEY_PREFIX": prefix})
    settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    now = dt.datetime(2026, 5, 10, 8, 0, tzinfo=dt.UTC)
    try:
        for minute in range(3):
            # Each failure recorded by another "process" (a cache client of its own).
            monkeypatch.setattr(throttle, "caches", _Caches(default=first if minute % 2 else second))
            signin.signin_failure_record(
                identifier="PB1", address="192.0.2.1", now=now + dt.timedelta(minutes=minute)
            )
        monkeypatch.setattr(throttle, "caches", _Caches(default=first))
        until = signin.signin_locked_until(
            identifier="PB1", address="192.0.2.1", now=now + dt.timedelta(minutes=3)
        )
        assert until == now + WINDOW
        monkeypatch.setattr(throttle, "caches", _Caches(default=second))
        assert (
            signin.signin_locked_until(
                identifier="PB1", address="192.0.2.1", now=now + dt.timedelta(minutes=3)
            )
            == until
        )
    finally:
        first.clear()  # db 15, test keys only


def test_concurrent_hits_in_one_bucket_are_all_counted():
    now = dt.datetime(2026, 5, 10, 8, 0, 30, tzinfo=dt.UTC)
    for _ in range(7):
        throttle.hit(key="k", now=now, window=WINDOW)
    assert throttle.count(key="k", now=now + dt.timedelta(minutes=14), window=WINDOW) == 7
    assert throttle.count(key="k", now=now + dt.timedelta(minutes=15), window=WINDOW) == 0
    assert throttle.count(key="other", now=now, window=WINDOW) == 0


def test_a_lock_lifts_when_the_limit_th_newest_bucket_leaves_the_window():
    start = dt.datetime(2026, 5, 10, 8, 0, tzinfo=dt.UTC)
    for minute in (0, 2, 4, 6):
        throttle.hit(key="k", now=start + dt.timedelta(minutes=minute, seconds=20), window=WINDOW)
    now = start + dt.timedelta(minutes=7)
    assert throttle.locked_until(key="k", limit=3, now=now, window=WINDOW) == start + dt.timedelta(minutes=17)
    assert throttle.locked_until(key="k", limit=5, now=now, window=WINDOW) is None
    assert throttle.locked_until(key="k", limit=0, now=now, window=WINDOW) is None
    throttle.clear(key="k", now=now, window=WINDOW)
    assert throttle.count(key="k", now=now, window=WINDOW) == 0
