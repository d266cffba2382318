"""Demo service requests: every state, some near or past their deadline, closed ones with surveys answered.

Set-based: one sample of accounts, deadlines for all of them in one call of the clock, bulk inserts.
"""

import datetime as dt

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction

from gridcare.customers.models import Account
from gridcare.org.models import Unit
from gridcare.servicedesk import clock, services
from gridcare.servicedesk.models import (
    PromiseUnit,
    RequestState,
    RequestType,
    ServiceRequest,
    StatusChange,
    Survey,
    WorkOrder,
)

EVERY = 25
AT_MOST = 3000
# One request in eight of each state pattern: new, new, assigned, in progress, closed ×3, cancelled.
PATTERN = [RequestState.NEW, RequestState.NEW, RequestState.ASSIGNED, RequestState.IN_PROGRESS,
           RequestState.CLOSED, RequestState.CLOSED, RequestState.CLOSED, RequestState.CANCELLED]  # fmt: skip
FIELD_WORKER = "vanhanh.ninhkieu"


@transaction.atomic
def demo_service_requests_load(*, now: dt.datetime) -> int:
    """Create the demo's service requests (idempotent: nothing when some exist). Returns how many."""
    if ServiceRequest.objects.exists():
        return 0
    rows = list(
        Account.objects.order_by("pk").values_list(
            "pk", "customer_id", "premise_id", "unit_id", "premise__commune_id"
        )[::EVERY][:AT_MOST]
    )
    kinds = list(RequestType.objects.filter(active=True).order_by("position", "pk"))
    if not rows or not kinds:
        return 0
    team_of_commune = {}
    for team_id, commune_id in (
        Unit.communes.through.objects.filter(unit__kind=Unit.Kind.TEAM)
        .order_by("unit__path")
        .values_list("unit_id", "commune_id")
    ):
        team_of_commune.setdefault(commune_id, team_id)
    n = len(rows)
    index = np.arange(n)
    states = [PATTERN[i % len(PATTERN)] for i in range(n)]
    kind = [kinds[(i // len(PATTERN)) % len(kinds)] for i in range(n)]
    # Open requests were opened in the last 10 days (some are near or past their deadline); the others in the last 150.
    back_minutes = np.where([s in (RequestState.CLOSED, RequestState.CANCELLED) for s in states],
                            (index * 7919) % (150 * 1440), (index * 3571) % (10 * 1440))  # fmt: skip
    start = clock.to_minutes(now) - back_minutes
    amount = np.array([k.promise_amount for k in kind])
    unit = np.array(
        [clock.UNIT_HOURS if k.promise_unit == PromiseUnit.WORKING_HOURS else clock.UNIT_DAYS for k in kind]
    )
    calendar = services.business_calendar(years=range(now.year - 1, now.year + 2))
    due, warn = clock.deadlines(start=start, amount=amount, unit=unit, calendar=calendar)
    requests = []
    for i, (account_id, customer_id, premise_id, unit_id, commune_id) in enumerate(rows):
        opened = clock.from_minutes(start[i])
        closed_at = None
        if states[i] in (RequestState.CLOSED, RequestState.CANCELLED):
            # Most are done on time, one in five late.
            closed_at = (
                clock.from_minutes(due[i] + (600 if i % 5 == 0 else -30))
                if states[i] == RequestState.CLOSED
                else opened + dt.timedelta(hours=1)
            )
            closed_at = min(closed_at, now)
        requests.append(ServiceRequest(
            number=f"YC{opened:%y%m%d}{i:06d}", customer_id=customer_id, account_id=account_id, premise_id=premise_id,
            request_type=kind[i], description="", fields={"contact_phone": "0912345678"} if kind[i].required_fields else {},
            channel="portal" if i % 3 else "hotline", state=states[i], team_id=team_of_commune.get(commune_id, unit_id),
            opened_at=opened, due_at=clock.from_minutes(due[i]), warn_at=clock.from_minutes(warn[i]), closed_at=closed_at,
            resolution="Đã xử lý xong" if states[i] == RequestState.CLOSED else "",
        ))  # fmt: skip
    created = ServiceRequest.objects.bulk_create(requests, batch_size=1000)
    ids = dict(ServiceRequest.objects.values_list("number", "pk"))
    history, surveys, orders = [], [], []
    worker = (
        get_user_model()
        .objects.filter(username=FIELD_WORKER)
        .select_related("staff_membership__unit")
        .first()
    )
    worker_team = (
        worker.staff_membership.unit.path
        if worker is not None and hasattr(worker, "staff_membership")
        else None
    )
    team_paths = dict(Unit.objects.values_list("pk", "path"))
    sequence = 0
    for i, request in enumerate(created):
        pk = ids[request.number]
        chain = {RequestState.NEW: [], RequestState.ASSIGNED: ["assigned"], RequestState.IN_PROGRESS: ["assigned", "in_progress"],
                 RequestState.CLOSED: ["assigned", "in_progress", "closed"], RequestState.CANCELLED: ["cancelled"]}[request.state]  # fmt: skip
        previous = "new"
        history.append(StatusChange(request_id=pk, at=request.opened_at, from_state="", to_state="new"))
        for step, state in enumerate(chain):
            at = (
                request.closed_at
                if state in ("closed", "cancelled")
                else request.opened_at + dt.timedelta(minutes=20 * (step + 1))
            )
            history.append(StatusChange(request_id=pk, at=min(at, now), from_state=previous, to_state=state))
            previous = state
        if request.state == RequestState.CLOSED:
            answered = i % 4 != 0
            surveys.append(Survey(request_id=pk, sent_at=request.closed_at, score=(5, 4, 5, 3, 2, 4, 5)[i % 7] if answered else None,
                                  comment="Nhân viên nhiệt tình" if answered and i % 3 == 0 else "",
                                  answered_at=request.closed_at + dt.timedelta(hours=3) if answered else None))  # fmt: skip
        if (
            request.state in (RequestState.ASSIGNED, RequestState.IN_PROGRESS)
            and worker_team
            and team_paths.get(request.team_id, "").startswith(worker_team)
            and sequence < 8
        ):
            sequence += 1
            orders.append(WorkOrder(request_id=pk, assignee=worker, scheduled_for=now.astimezone(clock_tz()).date(), sequence=sequence,
                                    state=WorkOrder.State.STARTED if request.state == RequestState.IN_PROGRESS else WorkOrder.State.PLANNED,
                                    started_at=now if request.state == RequestState.IN_PROGRESS else None))  # fmt: skip
    StatusChange.objects.bulk_create(history, batch_size=2000)
    Survey.objects.bulk_create(surveys, batch_size=2000)
    WorkOrder.objects.bulk_create(orders)
    if orders:
        ServiceRequest.objects.filter(pk__in=[o.request_id for o in orders]).update(assignee=worker)
    services.clock_scan(now=now, tell_teams=False)
    return len(created)


def clock_tz() -> dt.timezone:
    return dt.timezone(dt.timedelta(hours=7))
