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
