"""Background entry points of the service desk (Django Tasks API): thin, they call services."""

from django.utils import timezone
from django_tasks import task

from gridcare.servicedesk.services import clock_scan


@task()
def clock_scan_task() -> dict[str, int]:
    """Find the warnings and breaches of open requests (schedule it every few minutes; running it twice is harmless)."""
    return clock_scan(now=timezone.now())
