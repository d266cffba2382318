"""Background entry points of demand response (Django Tasks API)."""

from django_tasks import task

from gridcare.flexibility import openadr


@task()
def event_webhooks(event_id: int, operation: str) -> dict:
    """Tell the participants' OpenADR clients that subscribed about an event created or changed."""
    return {"sent": openadr.event_webhooks_send(event_id=event_id, operation=operation)}
