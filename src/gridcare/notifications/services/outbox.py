"""The outbox's state machine: claimed under a lease, sent, failed or retried with backoff, released when a
worker died, requeued by staff; and in-app inbox messages marked read.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from gridcare.core.bulk import is_postgresql
from gridcare.customers.models import Account
from gridcare.notifications import conf
from gridcare.notifications.models import QUEUED_CHANNELS, Channel, OutboxMessage, OutboxStatus
from gridcare.notifications.services.base import NotificationError, db_datetime

# The statuses written into raw SQL, from the enum (plain strings: a TextChoices member's str() is its value).
_QUEUED, _SENDING, _SENT = OutboxStatus.QUEUED.value, OutboxStatus.SENDING.value, OutboxStatus.SENT.value


def outbox_claim(
    *,
    channel: str,
    limit: int,
    now: dt.datetime,
    lease_until: dt.datetime,
    token: str,
    urgent_only: bool = False,
) -> list[int]:
    """Mark up to `limit` ready rows of a channel as sending under `token` (committed before any provider call)."""
    if channel not in QUEUED_CHANNELS:
        raise NotificationError("unknown_channel", f"no queue for channel {channel!r}")
    lock = "FOR UPDATE SKIP LOCKED" if is_postgresql() else ""
    urgent = " AND urgent = %s" if urgent_only else ""
    params: list[Any] = [token, db_datetime(lease_until), db_datetime(now)]
    if urgent_only:
        params.append(True)
    params.append(limit)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE notifications_outboxmessage
               SET status = '{_SENDING}', claim_token = %s, lease_expires_at = %s, attempts = attempts + 1
             WHERE id IN (SELECT id FROM notifications_outboxmessage
                           WHERE channel = '{channel}' AND status = '{_QUEUED}' AND available_at <= %s{urgent}
                           ORDER BY available_at, id LIMIT %s {lock})
            RETURNING id
            """,  # noqa: S608 - the channel is one of QUEUED_CHANNELS and the statuses are the enum's: written
            # out, so that the planner can match the channel's partial queue index whatever the driver does with parameters.
            params,
        )
        return sorted(row[0] for row in cursor.fetchall())


@transaction.atomic
def outbox_lease_extend(*, ids: Sequence[int], token: str, until: dt.datetime) -> set[int]:
    """Extend the lease of those of `ids` still claimed under `token` (still `sending`); returns their ids.

    A row missing from the answer is no longer this claim's (its lease expired and another worker may
    hold it): the caller must not send it.
    """
    if not ids:
        return set()
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        "UPDATE notifications_outboxmessage SET lease_expires_at = %s "  # noqa: S608 - only placeholders
        f"WHERE id IN ({placeholders}) AND claim_token = %s AND status = '{_SENDING}' RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [db_datetime(until), *ids, token])
        return {row[0] for row in cursor.fetchall()}


def outbox_release_expired(*, now: dt.datetime) -> int:
    """Put rows whose worker died while sending back in the queue (or fail them after the last attempt)."""
    max_attempts = conf.int_setting("NOTIFY_MAX_ATTEMPTS", 6)
    expired = OutboxMessage.objects.filter(status=OutboxStatus.SENDING, lease_expires_at__lt=now)
    failed = expired.filter(attempts__gte=max_attempts).update(
        status=OutboxStatus.FAILED, claim_token="", last_error="lease expired after the last attempt"
    )
    requeued = expired.update(
        status=OutboxStatus.QUEUED, claim_token="", available_at=now,
        last_error="worker stopped while sending; retried with the same idempotency key",
    )  # fmt: skip
    return failed + requeued


def _asynchronous_commit() -> None:
    """Commit without waiting for the WAL flush: a mark lost in a database crash only means a resend
    with the same idempotency key, and per-message flushes would cap delivery far below provider limits."""
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


@transaction.atomic
def outbox_mark_sent(*, pk: int, token: str, now: dt.datetime, address: str, provider_ref: str) -> bool:
    """Record a provider's acceptance; ignored when the row's claim is no longer ours."""
    _asynchronous_commit()
    return bool(
        OutboxMessage.objects.filter(pk=pk, claim_token=token, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.SENT,
            sent_at=now,
            address=address[:254],
            provider_ref=provider_ref[:100],
            claim_token="",
            last_error="",
        )  # fmt: skip
    )


@transaction.atomic
def outbox_mark_sent_many(*, token: str, sent: Sequence[tuple[int, dt.datetime, str, str]]) -> int:
    """Record several acceptances (pk, at, address, provider_ref) in one round trip; rows no longer ours are skipped."""
    if not sent:
        return 0
    _asynchronous_commit()
    rows = [
        (db_datetime(at), address[:254], provider_ref[:100], pk, token)
        for pk, at, address, provider_ref in sent
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE notifications_outboxmessage SET status = '{_SENT}', sent_at = %s, address = %s, "  # noqa: S608
            f"provider_ref = %s, claim_token = '', last_error = '' WHERE id = %s AND claim_token = %s "
            f"AND status = '{_SENDING}'",
            rows,
        )
    return len(rows)


@transaction.atomic
def outbox_mark_failed(
    *,
    pk: int,
    token: str,
    now: dt.datetime,
    error: str,
    retryable: bool,
    attempts: int,
    retry_after: float | None = None,
) -> str:
    """Schedule a retry with exponential backoff, or fail for good; returns the new status."""
    _asynchronous_commit()
    max_attempts = conf.int_setting("NOTIFY_MAX_ATTEMPTS", 6)
    if retryable and attempts < max_attempts:
        base = conf.float_setting("NOTIFY_BACKOFF_SECONDS", 30.0)
        delay = min(base * 2 ** (attempts - 1), conf.float_setting("NOTIFY_BACKOFF_MAX_SECONDS", 3600.0))
        delay = max(delay, retry_after or 0.0)
        status = OutboxStatus.QUEUED
        fields = {"available_at": now + dt.timedelta(seconds=delay)}
    else:
        status = OutboxStatus.FAILED
        fields = {}
    OutboxMessage.objects.filter(pk=pk, claim_token=token, status=OutboxStatus.SENDING).update(
        status=status, claim_token="", last_error=error[:500], **fields
    )
    return status


def inbox_mark_read(*, account: Account, ids: Iterable[int], now: dt.datetime) -> int:
    """Mark in-app inbox messages of the account as read."""
    return OutboxMessage.objects.filter(
        account=account, channel=Channel.INBOX, pk__in=list(ids), read_at__isnull=True
    ).update(read_at=now)


def outbox_requeue(*, ids: Iterable[int], now: dt.datetime) -> int:
    """Give failed messages a fresh set of attempts (staff action after fixing a template or a contact)."""
    return OutboxMessage.objects.filter(pk__in=list(ids), status=OutboxStatus.FAILED).update(
        status=OutboxStatus.QUEUED, attempts=0, available_at=now, claim_token="", last_error=""
    )
