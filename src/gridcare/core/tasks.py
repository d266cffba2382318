"""Background entry points of the kernel (Django Tasks API)."""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from gridcare.core import partitions

# Partitions are made months ahead: once a day is plenty, and running more often only costs a query.
PARTITIONS_EVERY = dt.timedelta(days=1)


@task()
def partitions_maintain(ahead: int = 3, repeat: bool = True) -> int:
    """Create the coming months' partitions (PostgreSQL; never removes any), then come back tomorrow."""
    created = []
    if connection.vendor == "postgresql":
        with transaction.atomic():
            created = partitions.ensure_partitions(
                connection=connection, today=timezone.localdate(), ahead=ahead
            )
    if repeat:
        partitions_maintain.using(run_after=timezone.now() + PARTITIONS_EVERY).enqueue(ahead, True)
    return len(created)
