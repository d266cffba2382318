"""Delivery of outbox rows: claim a batch, pace it to the provider's rate limit, send, record each result.

Guarantees (see docs/notifications.md): a row is claimed (status `sending`, lease, attempt counted)
and committed before its provider is called, and marked `sent` right after (a few marks per round
trip). If a worker dies in
between, the row's lease expires and it is sent again with the same idempotency key: SMS
(`client_ref`) and Zalo (`tracking_id`) providers drop the repeat, Web Push replaces it (Topic);
e-mail can repeat in that window (at-least-once, same Message-ID). Nothing is ever lost.

Leases: a batch's lease always outlasts its last reserved send slot (renewed after the reservation and
after a rebooking), and before each send the sender checks that its claim still covers the request (else
renews it in the database, which confirms the row is still its own): a row whose lease ran out is left
to the worker that may hold it now, so several workers on a slow provider never send one key twice.

Sends are paced: the message at position i of a batch never leaves before `start + i / rate`, where
`start` comes from the reservation shared by all workers (`services.rate_reserve`); a sender that
stalls past its slots books the rest anew (`services.rate_rebook`) rather than bursting. Senders that
declare themselves `thread_safe` (all four external channels: calls that touch no database) have up to
`GRIDCARE_NOTIFY_SEND_CONCURRENCY` requests in flight, so the provider's latency does not cap the
rate; every database write (marks, failures) stays on the calling thread.

The clock is passed in (`clock`, seconds since the epoch) so tests and benchmarks control time.
"""

import dataclasses
import datetime as dt
import queue
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from gridcare.notifications import conf, services
from gridcare.notifications.channels import OutgoingMessage, SendResult, adapter_for
from gridcare.notifications.models import Channel, Notice, OutboxMessage, PushSubscription
from gridcare.notifications.rendering import TemplateError, render, template_find


@dataclasses.dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    rebooked: int = 0  # times a stalled sender booked its remaining slots anew
    lost: int = 0  # claimed rows not sent: their lease ran out and another worker may hold them


@dataclasses.dataclass(frozen=True, slots=True)
class _Row:
    """The columns of a claimed row that sending needs (one flat query, no model instances)."""

    pk: int
    attempts: int
    urgent: bool
    context: dict | None
    notice_id: int
    account_id: int
    customer_code: str
    customer_name: str
    language: str
    email: str
    phone: str

    idempotency_key = OutboxMessage.idempotency_key  # the same key as the model's ("gc<pk>")


_ROW_FIELDS = (
    "pk", "attempts", "urgent", "context", "notice_id", "account_id", "account__code", "account__customer__name",
    "account__preferred_language", "account__email", "account__phone",
)  # fmt: skip


def _moment(clock: Callable[[], float]) -> dt.datetime:
    return dt.datetime.fromtimestamp(clock(), tz=dt.UTC)


def message_context(row: _Row, notice: Notice) -> dict:
    """The parameters of one message: the account's code and name, the notice's, then the row's own."""
    return {
        "customer_code": row.customer_code, "customer_name": row.customer_name,
        **(notice.context or {}), **(row.context or {}),
    }  # fmt: skip


def _outgoing(
    row: _Row, notice: Notice, channel: str, templates: dict, subscriptions: dict
) -> OutgoingMessage:
    language = row.language or "vi"
    cache_key = (notice.template_key, language)
    if cache_key not in templates:  # one lookup per (template, language) per batch
        templates[cache_key] = template_find(key=notice.template_key, channel=channel, language=language)
    rendered = render(template=templates[cache_key], context=message_context(row, notice), language=language)
    # A message to an address that is not the contract's contact (a new e-mail or phone to confirm).
    to = (row.context or {}).get(services.DELIVER_TO) or ""
    email, phone = (to, row.phone) if to and channel == Channel.EMAIL else (row.email, to or row.phone)
    return OutgoingMessage(
        key=row.idempotency_key, language=language, subject=rendered.subject, body=rendered.body,
        params=rendered.params, urgent=row.urgent, email=email, phone=phone,
        zns_template_id=rendered.zns_template_id, push_subscriptions=tuple(subscriptions.get(row.account_id, ())),
    )  # fmt: skip


def _load(ids: list[int], channel: str) -> tuple[list[_Row], dict[int, Notice], dict[int, list[dict]]]:
    """The claimed rows (flat values, in id order), their notices (each once) and, for push, subscriptions."""
    rows = [
        _Row(*values)
        for values in OutboxMessage.objects.filter(pk__in=ids).order_by("pk").values_list(*_ROW_FIELDS)
    ]
    notices = Notice.objects.filter(pk__in={row.notice_id for row in rows}).only(
        "pk", "template_key", "context"
    )
    subscriptions: dict[int, list[dict]] = {}
    if channel == Channel.PUSH:
        subs = PushSubscription.objects.filter(
            account_id__in={r.account_id for r in rows}, active=True
        ).order_by("pk")
        for sub in subs:
            subscriptions.setdefault(sub.account_id, []).append(
                {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
            )
    return rows, {notice.pk: notice for notice in notices}, subscriptions


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
    margin = conf.float_setting("NOTIFY_LEASE_SECONDS", 60.0)
    lease = margin + (limit / rate if rate > 0 else 0.0)
    token = secrets.token_hex(8)
    ids = services.outbox_claim(
        channel=channel, limit=limit, now=now, lease_until=now + dt.timedelta(seconds=lease), token=token,
        urgent_only=channel != Channel.EMAIL and services.quiet_until(now=now) is not None,
    )  # fmt: skip
    result.claimed = len(ids)
    if not ids:
        return result
    rows, notices, subscriptions = _load(ids, channel)
    # Render everything before the first send (templates looked up once per batch); a template error
    # fails its row at once and sends nothing.
    templates: dict = {}
    ready: list[tuple[_Row, OutgoingMessage]] = []
    for row in rows:
        try:
            ready.append((row, _outgoing(row, notices[row.notice_id], channel, templates, subscriptions)))
        except TemplateError as exc:
            services.outbox_mark_failed(
                pk=row.pk,
                token=token,
                now=_moment(clock),
                error=f"{exc.code}: {exc}",
                retryable=False,
                attempts=row.attempts,
            )
            result.failed += 1
    # Acceptances are recorded a few at a time (one round trip); a crash before a flush only means
    # those few (and the requests in flight) are sent again with the same idempotency key.
    flush_every = conf.int_setting("NOTIFY_MARK_EVERY", 20)
    accepted: list[tuple[int, dt.datetime, str, str]] = []

    def record(row: _Row, outcome: SendResult, at: dt.datetime) -> None:
        nonlocal accepted
        for endpoint in outcome.gone_endpoints:
            services.subscription_deactivate(endpoint=endpoint)
        if outcome.ok:
            accepted.append((row.pk, at, outcome.address, outcome.provider_ref))
            if len(accepted) >= flush_every:
                services.outbox_mark_sent_many(token=token, sent=accepted)
                accepted = []
            result.sent += 1
            return
        status = services.outbox_mark_failed(
            pk=row.pk, token=token, now=at, error=outcome.error, retryable=outcome.retryable,
            attempts=row.attempts, retry_after=outcome.retry_after,
        )  # fmt: skip
        if status == "queued":
            result.retried += 1
        else:
            result.failed += 1

    if not ready:  # every claimed row failed to render: no slots to reserve, no provider to open
        return result
    # The slots are reserved once the messages are ready, so the first send is not already late.
    start = services.rate_reserve(provider=channel, count=len(ready), now_epoch=clock())
    # Message `position` leaves at `start + (position - first) / rate`. A sender a little late (a mark
    # written, a thread switch) catches up; one later than `slack` (a stall) books its remaining
    # messages anew instead of sending them at once into seconds other workers hold.
    slots = {"start": start, "first": 0, "end": start + len(ready) / rate if rate > 0 else 0.0}
    slack = conf.float_setting("NOTIFY_PACE_SLACK_SECONDS", 0.02)

    # The lease must outlast the batch's last send: the reservation may start long after the claim (other
    # workers' slots come first), a rebooking moves it later, a provider may be slow. `held` is how long
    # the claim is known to be ours; before each send it must still cover `guard` (a request's time),
    # else it is renewed in the database, which also tells which rows are still ours (`lost`: not sent).
    batch_ids = [row.pk for row, _message in ready]
    held = {"until": now.timestamp() + lease}
    guard = min(conf.float_setting("NOTIFY_HTTP_TIMEOUT", 10.0), margin / 2)
    lost: set[int] = set()

    def hold(needed: float) -> None:
        if held["until"] >= needed + guard:
            return
        until = max(needed, slots["end"]) + margin
        still = services.outbox_lease_extend(
            ids=batch_ids, token=token, until=dt.datetime.fromtimestamp(until, tz=dt.UTC)
        )
        lost.update(pk for pk in batch_ids if pk not in still)
        held["until"] = until

    def claimed(row: _Row) -> bool:
        """Whether this worker may send the row now (checked right before its send)."""
        hold(clock())
        if row.pk in lost:
            result.lost += 1
            return False
        return True

    hold(slots["end"])

    def pace(position: int) -> None:
        if rate <= 0:
            return
        due = slots["start"] + (position - slots["first"]) / rate
        if clock() - due > slack:
            left = len(ready) - position
            slots["start"] = services.rate_rebook(
                provider=channel, count=left, now_epoch=clock(), previous_end=slots["end"]
            )
            slots["first"], slots["end"] = position, slots["start"] + left / rate
            result.rebooked += 1
            hold(slots["end"])
            due = slots["start"]
        wait = due - clock()
        if wait > 0:
            sleep(wait)

    try:
        with adapter_for(channel).open() as sender:
            concurrency = (
                conf.int_setting("NOTIFY_SEND_CONCURRENCY", 16)
                if getattr(sender, "thread_safe", False)
                else 1
            )
            if concurrency <= 1 or len(ready) <= 1:
                for position, (row, message) in enumerate(ready):
                    pace(position)
                    if not claimed(row):
                        continue
                    outcome = sender.send(message)
                    record(row, outcome, _moment(clock))
            else:
                _send_concurrently(
                    sender,
                    ready,
                    concurrency=concurrency,
                    pace=pace,
                    claimed=claimed,
                    record=record,
                    clock=clock,
                )
    finally:
        # Also when a sender raised: what the provider accepted is recorded before the error propagates.
        services.outbox_mark_sent_many(token=token, sent=accepted)
    return result


def _send_concurrently(
    sender: Any, ready: list[tuple[_Row, OutgoingMessage]], *, concurrency: int, pace: Callable[[int], None],
    claimed: Callable[[_Row], bool], record: Callable[[_Row, SendResult, dt.datetime], None],
    clock: Callable[[], float],
) -> None:  # fmt: skip
    """Send with up to `concurrency` requests in flight; each still leaves no earlier than its paced slot.

    The pool's threads only call the provider; results come back through a queue and are recorded on
    this thread (its database connection), while the next requests are already in flight.
    """
    done: queue.SimpleQueue = queue.SimpleQueue()

    def send(row: _Row, message: OutgoingMessage) -> None:
        try:
            done.put((row, sender.send(message), _moment(clock), None))
        except BaseException as exc:  # noqa: BLE001 - re-raised on the recording thread
            done.put((row, None, None, exc))

    error: BaseException | None = None

    def collect(block: bool) -> bool:
        nonlocal error
        try:
            row, outcome, at, exc = done.get(block=block)
        except queue.Empty:
            return False
        if exc is not None:
            error = error or exc  # the row stays `sending`: its lease expires and it is sent again
        else:
            record(row, outcome, at)
        return True

    in_flight = 0
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="gridcare-send") as pool:
        for position, (row, message) in enumerate(ready):
            if error is not None:
                break
            while in_flight >= concurrency:
                collect(block=True)
                in_flight -= 1
            while in_flight and collect(block=False):
                in_flight -= 1
            pace(position)
            if not claimed(row):
                continue
            pool.submit(send, row, message)
            in_flight += 1
        while in_flight:
            collect(block=True)
            in_flight -= 1
    if error is not None:
        raise error


def deliver_until_idle(
    *, channel: str, budget_seconds: float = 50.0, clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> BatchResult:  # fmt: skip
    """Send batches until nothing is ready or the time budget is spent; returns the totals."""
    total = BatchResult()
    started = clock()
    while clock() - started < budget_seconds:
        batch = deliver_batch(channel=channel, clock=clock, sleep=sleep)
        for field in ("claimed", "sent", "retried", "failed", "rebooked", "lost"):
            setattr(total, field, getattr(total, field) + getattr(batch, field))
        if not batch.claimed:
            break
    return total
