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


# How often the start task comes back: a planned outage moves to "in progress" at most this late.
START_EVERY = dt.timedelta(minutes=5)


@task()
def outages_start_due(repeat: bool = True) -> int:
    """Start the announced planned outages whose planned time has come, then come back in five minutes."""
    started = services.outages_start_due(now=timezone.now())
    if repeat:
        outages_start_due.using(run_after=timezone.now() + START_EVERY).enqueue(True)
    return started
