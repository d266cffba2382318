"""Delivery of outbox rows: claim a batch, pace it to the provider's rate limit, send, record each result.

Guarantees (see docs/notifications.md): a row is claimed (status `sending`, lease, attempt counted)
and committed before its provider is called, and marked `sent` right after (a few marks per round
trip). If a worker dies in
between, the row's lease expires and it is sent again with the same idempotency key: SMS
(`client_ref`) and Zalo (`tracking_id`) providers drop the repeat, Web Push replaces it (Topic);
e-mail can repeat in that window (at-least-once, same Message-ID). Nothing is ever lost.

The clock is passed in (`clock`, seconds since the epoch) so tests and benchmarks control time.
"""

import dataclasses
import datetime as dt
import secrets
import time
from collections.abc import Callable

from gridcare.notifications import conf, services
from gridcare.notifications.channels import OutgoingMessage, adapter_for
from gridcare.notifications.models import Channel, OutboxMessage, PushSubscription
from gridcare.notifications.rendering import TemplateError, render, template_find


@dataclasses.dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _moment(clock: Callable[[], float]) -> dt.datetime:
    return dt.datetime.fromtimestamp(clock(), tz=dt.UTC)


def message_context(row: OutboxMessage) -> dict:
    """The parameters of one message: the account's code and name, the notice's, then the row's own."""
    account = row.account
    return {
        "customer_code": account.code, "customer_name": account.customer.name,
        **(row.notice.context or {}), **(row.context or {}),
    }  # fmt: skip


def _outgoing(row: OutboxMessage, templates: dict, subscriptions: dict) -> OutgoingMessage:
    account = row.account
    language = account.preferred_language or "vi"
    cache_key = (row.notice.template_key, row.channel, language)
    if cache_key not in templates:
        templates[cache_key] = template_find(key=row.notice.template_key, channel=row.channel, language=language)
    context = message_context(row)
    rendered = render(template=templates[cache_key], context=context, language=language)
    return OutgoingMessage(
        key=row.idempotency_key, language=language, subject=rendered.subject, body=rendered.body,
        params=rendered.params, urgent=row.urgent, email=account.email, phone=account.phone,
        zns_template_id=rendered.zns_template_id, push_subscriptions=tuple(subscriptions.get(account.pk, ())),
    )  # fmt: skip


def deliver_batch(
    *, channel: str, clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
    limit: int | None = None,
) -> BatchResult:  # fmt: skip
    """Claim and send one batch of ready rows of a channel, at most at the provider's configured rate."""
    result = BatchResult()
    now = _moment(clock)
    services.outbox_release_expired(now=now)
    limit = limit or conf.int_setting("NOTIFY_BATCH_SIZE", 100)
    rate = conf.rate_limit(channel)
    lease = conf.float_setting("NOTIFY_LEASE_SECONDS", 60.0) + (limit / rate if rate > 0 else 0.0)
    token = secrets.token_hex(8)
    ids = services.outbox_claim(
        channel=channel, limit=limit, now=now, lease_until=now + dt.timedelta(seconds=lease), token=token,
        urgent_only=channel != Channel.EMAIL and services.quiet_until(now=now) is not None,
    )  # fmt: skip
    result.claimed = len(ids)
    if not ids:
        return result
    start = services.rate_reserve(provider=channel, count=len(ids), now_epoch=clock())
    rows = list(
        OutboxMessage.objects.filter(pk__in=ids).select_related("account__customer", "notice").order_by("pk")
    )
    subscriptions: dict[int, list[dict]] = {}
    if channel == Channel.PUSH:
        for sub in PushSubscription.objects.filter(account_id__in=[r.account_id for r in rows], active=True).order_by("pk"):
            subscriptions.setdefault(sub.account_id, []).append(
                {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
            )
    templates: dict = {}
    # Acceptances are recorded a few at a time (one round trip); a crash before a flush only means
    # those few are sent again with the same idempotency key.
    flush_every = conf.int_setting("NOTIFY_MARK_EVERY", 20)
    accepted: list[tuple[int, dt.datetime, str, str]] = []
    with adapter_for(channel).open() as sender:
        for position, row in enumerate(rows):
            if rate > 0:
                wait = start + position / rate - clock()
                if wait > 0:
                    sleep(wait)
            try:
                message = _outgoing(row, templates, subscriptions)
            except TemplateError as exc:
                services.outbox_mark_failed(
                    pk=row.pk, token=token, now=_moment(clock), error=f"{exc.code}: {exc}", retryable=False, attempts=row.attempts
                )
                result.failed += 1
                continue
            outcome = sender.send(message)
            if outcome.ok:
                accepted.append((row.pk, _moment(clock), outcome.address, outcome.provider_ref))
                if len(accepted) >= flush_every:
                    services.outbox_mark_sent_many(token=token, sent=accepted)
                    accepted = []
                result.sent += 1
            else:
                status = services.outbox_mark_failed(
                    pk=row.pk, token=token, now=_moment(clock), error=outcome.error, retryable=outcome.retryable,
                    attempts=row.attempts, retry_after=outcome.retry_after,
                )  # fmt: skip
                if status == "queued":
                    result.retried += 1
                else:
                    result.failed += 1
        services.outbox_mark_sent_many(token=token, sent=accepted)
    return result


def deliver_until_idle(
    *, channel: str, budget_seconds: float = 50.0, clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> BatchResult:  # fmt: skip
    """Send batches until nothing is ready or the time budget is spent; returns the totals."""
    total = BatchResult()
    started = clock()
    while clock() - started < budget_seconds:
        batch = deliver_batch(channel=channel, clock=clock, sleep=sleep)
        for field in ("claimed", "sent", "retried", "failed"):
            setattr(total, field, getattr(total, field) + getattr(batch, field))
        if not batch.claimed:
            break
    return total
