"""Background entry points (Django Tasks API; `gridcare db_worker` runs them with the database backend)."""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from gridcare.notifications import delivery, receipts, services
from gridcare.notifications.models import OutboxMessage, OutboxStatus


@task()
def deliver_outbox(channel: str) -> dict:
    """Deliver the ready rows of one channel, then come back when the next deferred row is due."""
    result = delivery.deliver_until_idle(channel=channel)
    if channel in receipts.RECEIPT_CHANNELS:
        # Receipts that overtook this run's marks of acceptance wait for them: apply them now.
        receipts.receipts_apply_pending(channel=channel, now=timezone.now())
    now = timezone.now()
    upcoming = _next_due(channel, now=now)
    if upcoming is not None:
        at = max(upcoming, now + dt.timedelta(seconds=1))
        if services.delivery_schedule_claim(channel=channel, at=at, now=now):
            deliver_outbox.using(run_after=at).enqueue(channel)
    return {
        "claimed": result.claimed,
        "sent": result.sent,
        "retried": result.retried,
        "failed": result.failed,
    }


def _next_due(channel: str, *, now: dt.datetime) -> dt.datetime | None:
    """When this channel has work next: its first queued row, or now while rows are being sent (their
    lease may expire). Two look-ups, each answered by a partial index (the channel's queue index and
    `outbox_sending`); one query over both statuses read the whole outbox."""
    queued = (
        OutboxMessage.objects.filter(channel=channel, status=OutboxStatus.QUEUED)
        .order_by("available_at", "id")
        .values_list("available_at", flat=True)
        .first()
    )
    if OutboxMessage.objects.filter(channel=channel, status=OutboxStatus.SENDING).exists():
        return now if queued is None else min(queued, now)
    return queued


@task()
def consumption_alerts_check(since: str) -> int:
    """Alert the accounts whose newly closed period crossed their threshold; returns how many were alerted."""
    notice = services.consumption_alerts_evaluate(since=dt.date.fromisoformat(since), now=timezone.now())
    return notice.recipients if notice is not None else 0


@task(priority=50)
def otp_send(customer_code: str, channel: str, purpose: str = "signin") -> None:
    """Issue and queue a one-time code (the portal enqueues this for every request, existing code or not)."""
    services.otp_request(customer_code=customer_code, channel=channel, now=timezone.now(), purpose=purpose)
