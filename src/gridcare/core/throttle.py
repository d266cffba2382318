"""Failure counters in the shared cache (Redis in production), for sign-in locks and rate limits.

Every web process and worker must see the same counts, or an attacker would simply get N tries per
process: the counters live in Django's default cache, which production points at Redis (`REDIS_URL`).
A counter is a sliding window cut into short buckets (a fifteenth of the window); each bucket is one
cache key incremented atomically (`incr`), so concurrent failures are never lost, and it expires by
itself once it has left the window. A failure counts from the start of its bucket, so a lock lifts at
most one bucket early, never late.

Keys are hashed: they hold typed usernames and customer codes, which may be long or odd.
"""

import datetime as dt
import hashlib

from django.core.cache import caches

CACHE_ALIAS = "default"
BUCKETS_PER_WINDOW = 15


def _bucket_seconds(window: dt.timedelta) -> int:
    return max(1, int(window.total_seconds()) // BUCKETS_PER_WINDOW)


def _cache_key(key: str, start: int) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"gc:throttle:{digest}:{start}"


def _bucket_starts(*, now: dt.datetime, window: dt.timedelta) -> list[int]:
    """Starts of the buckets still inside the window at `now`, newest first."""
    size = _bucket_seconds(window)
    moment = int(now.timestamp())
    newest = moment // size * size
    oldest_allowed = moment - int(window.total_seconds())  # a bucket counts while its start is after this
    starts = []
    start = newest
    while start > oldest_allowed:
        starts.append(start)
        start -= size
    return starts


def hit(*, key: str, now: dt.datetime, window: dt.timedelta, amount: int = 1) -> None:
    """Count `amount` events for `key` at `now`."""
    cache = caches[CACHE_ALIAS]
    size = _bucket_seconds(window)
    start = int(now.timestamp()) // size * size
    name = _cache_key(key, start)
    timeout = int(window.total_seconds()) + 2 * size
    if cache.add(name, amount, timeout):
        return
    try:
        cache.incr(name, amount)
    except ValueError:  # expired between add and incr
        cache.add(name, amount, timeout)


def count(*, key: str, now: dt.datetime, window: dt.timedelta) -> int:
    """How many events of `key` are inside the window at `now`."""
    starts = _bucket_starts(now=now, window=window)
    values = caches[CACHE_ALIAS].get_many([_cache_key(key, start) for start in starts])
    return sum(int(value) for value in values.values())


def locked_until(*, key: str, limit: int, now: dt.datetime, window: dt.timedelta) -> dt.datetime | None:
    """When `key` drops below `limit` events again, or None when it is below it now (`limit` < 1: never locked)."""
    if limit < 1:
        return None
    starts = _bucket_starts(now=now, window=window)
    names = [_cache_key(key, start) for start in starts]
    values = caches[CACHE_ALIAS].get_many(names)
    seen = 0
    for start, name in zip(starts, names, strict=True):
        seen += int(values.get(name, 0))
        if seen >= limit:
            # The limit is reached counting back to this bucket: the lock lifts when it leaves the window.
            return dt.datetime.fromtimestamp(start, tz=dt.UTC) + window
    return None


def clear(*, key: str, now: dt.datetime, window: dt.timedelta) -> None:
    """Forget the events of `key` (a successful sign-in clears its account's failures)."""
    starts = _bucket_starts(now=now, window=window)
    caches[CACHE_ALIAS].delete_many([_cache_key(key, start) for start in starts])
