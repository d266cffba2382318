"""Background entry points of payments (Django Tasks API): thin, they call services."""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from gridcare.payments import services
from gridcare.payments.gateways import GatewayError

ASK_AGAIN = dt.timedelta(minutes=10)
MAX_ASKS = 6


@task()
def payment_order_query(reference: str, attempt: int = 1) -> str:
    """Ask the gateway about an order that got no callback; settle or expire it, or ask again later."""
    try:
        status = services.payment_order_query(reference=reference, now=timezone.now())
    except GatewayError:
        status = "pending"
    if status == "pending" and attempt < MAX_ASKS:
        payment_order_query.using(run_after=timezone.now() + ASK_AGAIN).enqueue(reference, attempt + 1)
    return status


@task()
def refund_query(refund_id: int, attempt: int = 1) -> str:
    """Ask the gateway about a refund still pending (ZaloPay processing, or the gateway could not be reached)."""
    from gridcare.payments import refunds
    from gridcare.payments.models import Refund

    refund = Refund.objects.filter(pk=refund_id).first()
    if refund is None:
        return ""
    status = refunds.refund_ask(refund=refund, now=timezone.now(), query=refund.channel == "zalopay")
    if status == "pending" and attempt < MAX_ASKS:
        refund_query.using(run_after=timezone.now() + ASK_AGAIN).enqueue(refund_id, attempt + 1)
    return status


@task()
def reconcile_yesterday(repeat: bool = True) -> int:
    """Reconcile yesterday's transactions of every channel, then come back tomorrow at 06:00 (local time)."""
    from gridcare.core.formatting import BUSINESS_TZ
    from gridcare.payments import reconciliation

    now = timezone.now()
    runs = reconciliation.reconcile_day(day=reconciliation.yesterday(now), now=now)
    if repeat:
        tomorrow = now.astimezone(BUSINESS_TZ).date() + dt.timedelta(days=1)
        reconcile_yesterday.using(
            run_after=dt.datetime.combine(tomorrow, dt.time(6), tzinfo=BUSINESS_TZ)
        ).enqueue(True)
    return sum(run.difference_count for run in runs)
