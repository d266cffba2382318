"""Background entry points of billing (Django Tasks API): thin, they call services.

A run started from the back office or the API is planned into chunks (`GRIDCARE_BILL_RUN_CHUNK_SIZE`
accounts each); every chunk is its own task, so any number of workers (`gridcare db_worker`, or RQ workers on
many machines) bill one run in parallel. A watch task comes back every `GRIDCARE_BILL_RUN_WATCH_SECONDS` while
the run is unfinished and queues again the chunks queued more than `GRIDCARE_BILL_RUN_CHUNK_LEASE_SECONDS` ago
(their worker was killed, or the queue lost them); a chunk queued twice is billed once.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from gridcare.billing.models import BillRun
from gridcare.billing.services import bill_run_chunk_execute, bill_run_chunks_stale, bill_run_plan


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@task()
def bill_run_execute_task(run_id: int) -> int:
    """Plan (or re-plan) a run into chunks and queue every pending chunk; returns how many were queued."""
    run = BillRun.objects.get(pk=run_id)
    now = timezone.now()
    pending = bill_run_plan(run=run, now=now, chunk_size=_setting("GRIDCARE_BILL_RUN_CHUNK_SIZE", 20_000))
    for after_id in pending:
        bill_run_chunk_task.enqueue(run_id, after_id)
    _watch_later(run_id, now=now)
    return len(pending)


@task()
def bill_run_chunk_task(run_id: int, after_id: int) -> bool:
    """Bill one chunk of a run (nothing if it is done or another worker holds it)."""
    run = BillRun.objects.get(pk=run_id)
    return bill_run_chunk_execute(run=run, after_id=after_id, now=timezone.now())


@task()
def bill_run_watch_task(run_id: int) -> int:
    """Queue again the chunks of an unfinished run whose worker died; come back later while it is unfinished."""
    run = BillRun.objects.get(pk=run_id)
    if run.status == BillRun.Status.DONE:
        return 0
    now = timezone.now()
    stale = bill_run_chunks_stale(run=run, now=now, lease_seconds=_setting("GRIDCARE_BILL_RUN_CHUNK_LEASE_SECONDS", 600))
    for after_id in stale:
        bill_run_chunk_task.enqueue(run_id, after_id)
    _watch_later(run_id, now=now)
    return len(stale)


def _watch_later(run_id: int, *, now: dt.datetime) -> None:
    if not bill_run_watch_task.get_backend().supports_defer:
        return  # a backend that runs tasks at once (tests) has billed every chunk already
    at = now + dt.timedelta(seconds=_setting("GRIDCARE_BILL_RUN_WATCH_SECONDS", 30))
    bill_run_watch_task.using(run_after=at).enqueue(run_id)
