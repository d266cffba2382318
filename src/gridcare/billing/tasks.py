"""Background entry points of billing (Django Tasks API): thin, they call services."""

from django.utils import timezone
from django_tasks import task

from gridcare.billing.models import BillRun
from gridcare.billing.services import bill_run_execute


@task()
def bill_run_execute_task(run_id: int) -> int:
    """Execute (or resume) a bill run; returns the number of bills it created so far."""
    run = BillRun.objects.get(pk=run_id)
    return bill_run_execute(run=run, now=timezone.now()).bills_created
