"""Bill runs: record one, bill it chunk by chunk (resumable, idempotent), or plan it into chunk tasks for many
workers (`billing.tasks`).

A run works in chunks of accounts ordered by id. Each chunk loads its inputs with a fixed number of set-based
queries (`billing.runinputs`), prices them with the vectorised tariff engine (`billing.calculation`), and
writes bills, lines, skips and the run's progress in ONE transaction (`billing.billwrites`). The unique key
(account, period) of standing invoices makes a re-run after a crash bill exactly the accounts not billed yet.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from gridcare.billing.billwrites import write_chunk
from gridcare.billing.calculation import bills_compute
from gridcare.billing.models import Bill, BillRun, BillRunChunk, BillRunSkip
from gridcare.billing.runinputs import load_chunk, month_add
from gridcare.core.bulk import is_postgresql
from gridcare.core.sqlarrays import fetch_int_matrix
from gridcare.customers.models import Account
from gridcare.metering.models import ReadingRoute, RouteAccount
from gridcare.org import policy
from gridcare.tariffs.selectors import compiled_catalogue


def bill_run_create(
    *, period: dt.date, route: ReadingRoute | None, user: Any = None, now: dt.datetime, cutover: bool = False
) -> BillRun:
    """Record a run for `period` (any day of the month) and one route, or every route when `route` is None.

    A person (`user`) needs `org.policy`'s "billing.run_route" for a route of their units, or
    "billing.run_all_routes" (the corporation's staff) for every route; `policy.AccessDenied` otherwise.
    `user=None` is the system (the `bill-run` command, the demo), which may bill every route.
    `cutover`: the accounts' first bills open at their last reading before the period, up to which a previous
    system billed them (once, when billing moves to gridcare), not at their first reading.
    """
    if user is not None:
        if route is None:
            policy.require(
                user=user, action="billing.run_all_routes",
                message=_("Chỉ nhân viên cấp tổng công ty mới lập hoá đơn cho mọi lộ trình."),
            )  # fmt: skip
        else:
            policy.require(
                user=user, action="billing.run_route", unit_id=route.unit_id,
                message=_("Cần quyền lập hoá đơn cho lộ trình của đơn vị mình."),
            )  # fmt: skip
    scope = RouteAccount.objects.filter(account__status=Account.Status.ACTIVE)
    if route is not None:
        scope = scope.filter(route=route)
    return BillRun.objects.create(
        period=period.replace(day=1),
        route=route,
        created_at=now,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        accounts_total=scope.count(),
        cutover=cutover,
    )


def _scope(run: BillRun):
    stops = RouteAccount.objects.filter(account__status=Account.Status.ACTIVE)
    return stops.filter(route=run.route_id) if run.route_id else stops


def bill_run_execute(
    *,
    run: BillRun,
    now: dt.datetime,
    chunk_size: int = 20_000,
    stop_after_chunks: int | None = None,
    progress=None,
    notify_customers: bool = True,
) -> BillRun:
    """Bill every account of the run not billed yet, chunk by chunk; safe to call again after any crash.

    `stop_after_chunks` ends the call early (as a crash would, between chunks) — for tests and for
    running a huge run in slices. A run that raises is marked failed with its error, then re-raised.
    Each issued bill queues a "bill ready" notice in its chunk's transaction (`notify_customers=False`
    for back-filling history).
    """
    try:
        return _bill_run_execute(run=run, now=now, chunk_size=chunk_size, stop_after_chunks=stop_after_chunks,
                                 progress=progress, notify_customers=notify_customers)  # fmt: skip
    except Exception as exc:
        BillRun.objects.filter(pk=run.pk).update(
            status=BillRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise


@dataclass(frozen=True)
class _RunContext:
    """What every chunk of one run reads once: the catalogue, the run's period and the settings."""

    run: BillRun
    now: dt.datetime
    catalogue: Any
    threshold: int
    period_first: int
    period_next: int
    notify_customers: bool


def _run_context(*, run: BillRun, now: dt.datetime, notify_customers: bool) -> _RunContext:
    return _RunContext(
        run=run, now=now, catalogue=compiled_catalogue(),
        threshold=int(getattr(settings, "GRIDCARE_BILL_SHOCK_PERCENT", 30)),
        period_first=run.period.toordinal(), period_next=month_add(run.period, 1).toordinal(),
        notify_customers=notify_customers,
    )  # fmt: skip


def _fast_commit() -> None:
    if is_postgresql():
        # A chunk lost by a crash right after COMMIT is simply billed again by the next run (the unique
        # key makes that safe), so the commit need not wait for the WAL flush.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _bill_slice(*, ctx: _RunContext, after_id: int, size: int, upto: int | None = None) -> int | None:
    """Bill the next accounts after `after_id` (at most `size`, up to `upto`), in the caller's transaction.

    Returns the last account id seen, or None when no account of the slice is left to bill.
    """
    run = ctx.run
    loaded = load_chunk(run=run, after_id=after_id, size=size, upto=upto)
    if loaded is None:
        return None
    inputs, last_id = loaded
    bills = bills_compute(inputs=inputs, period_first=ctx.period_first, period_next=ctx.period_next,
                          catalogue=ctx.catalogue, cutover=run.cutover)  # fmt: skip
    # The accounts of this chunk not billed yet are judged afresh: an earlier attempt's skips of them
    # (billed now, or skipped for another reason) go, so the run lists only what is still unbilled.
    forgotten, _kinds = BillRunSkip.objects.filter(
        run=run, account_id__gt=after_id, account_id__lte=last_id
    ).delete()
    created, held = write_chunk(run=run, bills=bills, inputs=inputs, now=ctx.now, threshold=ctx.threshold,
                                 notify_customers=ctx.notify_customers)  # fmt: skip
    scanned = _scope(run).filter(account_id__gt=after_id, account_id__lte=last_id).count()
    BillRun.objects.filter(pk=run.pk).update(
        accounts_done=F("accounts_done") + scanned,
        bills_created=F("bills_created") + created,
        bills_held=F("bills_held") + held,
        accounts_skipped=F("accounts_skipped") + len(bills.skipped_account) - forgotten,
    )
    return last_id


def _bill_run_finish(*, run: BillRun, now: dt.datetime) -> None:
    BillRun.objects.filter(pk=run.pk).update(
        status=BillRun.Status.DONE,
        finished_at=now,
        error="",
        accounts_skipped=BillRunSkip.objects.filter(run=run).count(),
        bills_created=Bill.objects.filter(run=run, kind=Bill.Kind.INVOICE).count(),
    )


def _bill_run_execute(*, run, now, chunk_size, stop_after_chunks, progress, notify_customers) -> BillRun:
    ctx = _run_context(run=run, now=now, notify_customers=notify_customers)
    BillRun.objects.filter(pk=run.pk).update(
        status=BillRun.Status.RUNNING,
        started_at=run.started_at or now,
        error="",
    )
    # Progress restarts from what is already in the database, so a resumed run reports true numbers.
    BillRun.objects.filter(pk=run.pk).update(accounts_done=0)
    after_id, chunks = 0, 0
    while True:
        if stop_after_chunks is not None and chunks >= stop_after_chunks:
            run.refresh_from_db()
            return run
        with transaction.atomic():
            _fast_commit()
            # One chunk at a time per run, even if two workers were started on it.
            BillRun.objects.select_for_update().filter(pk=run.pk).first()
            last_id = _bill_slice(ctx=ctx, after_id=after_id, size=chunk_size)
            if last_id is None:
                break
        after_id, chunks = last_id, chunks + 1
        if progress is not None:
            run.refresh_from_db(fields=["accounts_done", "accounts_total", "bills_created"])
            progress(run)
    _bill_run_finish(run=run, now=now)
    run.refresh_from_db()
    return run


# --- a run spread over many workers: planned into chunks, each chunk a task (billing.tasks) -----------------


def bill_run_plan(*, run: BillRun, now: dt.datetime, chunk_size: int) -> list[int]:
    """Split the run's accounts into chunks of `chunk_size` (once; a re-plan only adds accounts beyond the last
    chunk) and return the `after_id` of every chunk still pending, for the caller to queue."""
    route_filter, route_params = ("AND s.route_id = %s", [run.route_id]) if run.route_id else ("", [])
    with transaction.atomic():
        locked = BillRun.objects.select_for_update().get(pk=run.pk)
        planned_to = (
            BillRunChunk.objects.filter(run=run)
            .order_by("-last_id")
            .values_list("last_id", flat=True)
            .first()
        )
        ids = fetch_int_matrix(
            sql=f"""SELECT a.id FROM metering_routeaccount s JOIN customers_account a ON a.id = s.account_id
                    WHERE a.status = %s AND a.id > %s {route_filter} ORDER BY a.id""",  # noqa: S608
            params=[Account.Status.ACTIVE.value, planned_to or 0, *route_params],
            columns=1,
        )[:, 0]
        if len(ids):
            starts = np.arange(0, len(ids), chunk_size)
            after = np.where(starts > 0, ids[np.maximum(starts - 1, 0)], planned_to or 0)
            last = ids[np.minimum(starts + chunk_size, len(ids)) - 1]
            BillRunChunk.objects.bulk_create(
                [
                    BillRunChunk(run=run, after_id=int(a), last_id=int(b))
                    for a, b in zip(after, last, strict=True)
                ],
                ignore_conflicts=True,
            )
        if planned_to is None:
            BillRun.objects.filter(pk=run.pk).update(
                status=BillRun.Status.RUNNING, started_at=locked.started_at or now, error="", accounts_done=0
            )
        pending = BillRunChunk.objects.filter(run=run, status=BillRunChunk.Status.PENDING)
        pending.update(enqueued_at=now)
        return list(pending.order_by("after_id").values_list("after_id", flat=True))


def bill_run_chunk_execute(
    *, run: BillRun, after_id: int, now: dt.datetime, notify_customers: bool = True
) -> bool:
    """Bill one planned chunk of `run` unless it is done or another worker holds it; True if this call billed it.

    The chunk's row is locked for the transaction (a second worker on the same chunk skips it on PostgreSQL and
    waits, then finds it done, on SQLite), and the run is finished by whichever chunk completes it.
    """
    ctx = _run_context(run=run, now=now, notify_customers=notify_customers)
    try:
        with transaction.atomic():
            _fast_commit()
            chunks = BillRunChunk.objects.filter(
                run=run, after_id=after_id, status=BillRunChunk.Status.PENDING
            )
            chunk = chunks.select_for_update(skip_locked=is_postgresql()).first()
            if chunk is None:
                return False
            _bill_slice(
                ctx=ctx, after_id=chunk.after_id, size=chunk.last_id - chunk.after_id, upto=chunk.last_id
            )
            BillRunChunk.objects.filter(pk=chunk.pk).update(status=BillRunChunk.Status.DONE, done_at=now)
    except Exception as exc:
        BillRun.objects.filter(pk=run.pk).update(
            status=BillRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    if not BillRunChunk.objects.filter(run=run, status=BillRunChunk.Status.PENDING).exists():
        _bill_run_finish(run=run, now=now)
    return True


def bill_run_chunks_stale(*, run: BillRun, now: dt.datetime, lease_seconds: int) -> list[int]:
    """The pending chunks queued more than `lease_seconds` ago (their worker died, or the queue lost them),
    marked queued again now; the caller queues them. A chunk queued twice is billed once."""
    with transaction.atomic():
        stale = BillRunChunk.objects.select_for_update().filter(
            run=run,
            status=BillRunChunk.Status.PENDING,
            enqueued_at__lt=now - dt.timedelta(seconds=lease_seconds),
        )
        after_ids = list(stale.order_by("after_id").values_list("after_id", flat=True))
        BillRunChunk.objects.filter(run=run, after_id__in=after_ids).update(enqueued_at=now)
    return after_ids
