"""Background entry points of outages (Django Tasks API)."""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from gridcare.outages import services

# How often the reminder task comes back (it is idempotent: running it more often only costs a query).
REMINDER_EVERY = dt.timedelta(minutes=30)


@task()
def outage_reminders(repeat: bool = True) -> int:
    """Remind the customers of tomorrow's planned outages (once each), then come back in half an hour."""
    sent = services.outage_reminders_send(now=timezone.now())
    if repeat:
        outage_reminders.using(run_after=timezone.now() + REMINDER_EVERY).enqueue(True)
    return sent
