"""Reads of the service desk: a customer's own requests, a team's queue and worklist, counts and reports.

Staff reads go through `org.policy.records` (a team sees the requests routed to its units); customer reads
through their own contracts. Clocks on pages compare `now` with the stored deadlines, which the scan keeps
in line with the calendar.
"""

import datetime as dt

from django.db.models import Avg, Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth

from gridcare.customers.selectors import accounts_for_user
from gridcare.org import policy
from gridcare.outages.models import ANNOUNCED_STATUSES
from gridcare.servicedesk.models import (
    OPEN_STATES,
    Attachment,
    ClockAlert,
    RequestState,
    RequestType,
    ServiceRequest,
    StatusChange,
    WorkOrder,
)

CLOCK_ON_TIME, CLOCK_WARNING, CLOCK_BREACHED = "on_time", "warning", "breached"
# A "no power" request linked to a known outage that is still announced or in progress: its clock is held.
CLOCK_OUTAGE = "outage"


def request_types_open() -> QuerySet[RequestType]:
    """The request types customers may open now, in the order staff gave them."""
    return RequestType.objects.filter(active=True).order_by("position", "pk")


def requests_for_customer(*, user) -> QuerySet[ServiceRequest]:
    """The requests on the signed-in customer's own contracts, newest first."""
    return (
        ServiceRequest.objects.filter(account__in=accounts_for_user(user=user))
        .select_related("request_type", "account")
        .order_by("-opened_at", "-pk")
    )


def request_for_customer(*, user, number: str) -> ServiceRequest | None:
    """One of the customer's own requests by number (None for anyone else's: the same 404)."""
    return (
        requests_for_customer(user=user)
        .filter(number=number.strip().upper())
        .select_related("premise__commune", "team")
        .first()
    )


def request_history(*, request: ServiceRequest) -> QuerySet[StatusChange]:
    return request.history.select_related("by").order_by("at", "pk")


def request_attachments(*, request: ServiceRequest) -> QuerySet[Attachment]:
    return request.attachments.order_by("uploaded_at", "pk")


def requests_visible_to(*, user) -> QuerySet[ServiceRequest]:
    """The requests a staff member may see (those routed to their units)."""
    return policy.records(ServiceRequest.objects.all(), user=user)


def with_clock(queryset: QuerySet[ServiceRequest], *, now: dt.datetime) -> QuerySet[ServiceRequest]:
    """Annotate `clock`: held by a known outage, breached, warning or on time (closed requests by their closing moment)."""
    return queryset.annotate(
        clock=Case(
            When(Q(closed_at__isnull=True, outage__status__in=ANNOUNCED_STATUSES), then=Value(CLOCK_OUTAGE)),
            When(
                Q(closed_at__isnull=True, due_at__lte=now)
                | Q(closed_at__isnull=False, due_at__lt=F("closed_at")),
                then=Value(CLOCK_BREACHED),
            ),
            When(Q(closed_at__isnull=True, warn_at__lte=now), then=Value(CLOCK_WARNING)),
            default=Value(CLOCK_ON_TIME),
        ),
    )


def team_queue(
    *, user, now: dt.datetime, state: str | None = None, clock: str | None = None
) -> QuerySet[ServiceRequest]:
    """The team's queue: open requests (or those in `state`), the most urgent deadline first."""
    rows = requests_visible_to(user=user)
    rows = rows.filter(state=state) if state else rows.filter(state__in=OPEN_STATES)
    rows = with_clock(rows, now=now)
    if clock:
        rows = rows.filter(clock=clock)
    return rows.select_related(
        "request_type", "account__customer", "premise__commune", "team", "assignee"
    ).order_by("due_at", "pk")


def queue_counts(*, user, now: dt.datetime) -> dict[str, dict[str, int]]:
    """Open requests of the user's units by state and clock: `{state: {"on_time", "warning", "breached", "total"}}`.

    For the back office's workday page (one query, whatever the number of requests).
    """
    rows = requests_visible_to(user=user).filter(state__in=OPEN_STATES)
    held = Q(outage__status__in=ANNOUNCED_STATUSES)
    aggregates = {}
    for state in OPEN_STATES:
        in_state = Q(state=state)
        aggregates[f"{state}__{CLOCK_OUTAGE}"] = Count("pk", filter=in_state & held)
        in_state &= ~held
        aggregates[f"{state}__breached"] = Count("pk", filter=in_state & Q(due_at__lte=now))
        aggregates[f"{state}__warning"] = Count("pk", filter=in_state & Q(due_at__gt=now, warn_at__lte=now))
        aggregates[f"{state}__on_time"] = Count("pk", filter=in_state & Q(warn_at__gt=now))
    values = rows.aggregate(**aggregates)
    counts = {}
    for state in OPEN_STATES:
        kinds = (CLOCK_ON_TIME, CLOCK_WARNING, CLOCK_BREACHED, CLOCK_OUTAGE)
        row = {kind: values[f"{state}__{kind}"] or 0 for kind in kinds}
        row["total"] = sum(row.values())
        counts[str(state)] = row
    return counts


def worklist(*, user, day: dt.date) -> QuerySet[WorkOrder]:
    """The field worker's jobs of `day` in order, with address and contact (only within their units)."""
    return (
        policy.records(WorkOrder.objects.all(), user=user)
        .filter(assignee=user, scheduled_for=day)
        .select_related(
            "request__request_type",
            "request__account__customer",
            "request__premise__commune",
            "request__premise__province",
        )
        .order_by("sequence", "pk")
    )


def work_order_for(*, user, pk: int) -> WorkOrder | None:
    return (
        policy.records(WorkOrder.objects.all(), user=user)
        .select_related("request__team", "request__request_type")
        .filter(pk=pk)
        .first()
    )


def team_members(*, request: ServiceRequest):
    """Staff of the request's team (and its units), for the lead's assignment choice."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, staff_membership__unit__path__startswith=request.team.path)
        .order_by("username", "pk")
    )


def satisfaction_and_timeliness(*, user, since: dt.datetime) -> list[dict]:
    """Closed requests since `since`, per team, type and month: count, on time, surveys answered, average score."""
    rows = (
        requests_visible_to(user=user)
        .filter(state=RequestState.CLOSED, closed_at__gte=since)
        .annotate(month=TruncMonth("closed_at"))
        .values(
            "month",
            "team__name",
            "team_id",
            "request_type__name_vi",
            "request_type__name_en",
            "request_type__name_fr",
            "request_type_id",
        )
        .annotate(
            closed=Count("pk"),
            on_time=Count("pk", filter=Q(closed_at__lte=F("due_at"))),
            answered=Count("survey__pk", filter=Q(survey__score__isnull=False)),
            score=Avg("survey__score"),
        )
        .order_by("month", "team__name", "request_type_id")
    )
    return list(rows)


def alerts_exist(queryset: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """Annotate whether the scan has warned about / found a breach of each request."""
    alerts = ClockAlert.objects.filter(request=OuterRef("pk"))
    return queryset.annotate(
        was_warned=Exists(alerts.filter(kind=ClockAlert.Kind.WARNING)),
        was_breached=Exists(alerts.filter(kind=ClockAlert.Kind.BREACH)),
    )


def accounts_for_hotline(*, user, match: Q | None = None, limit: int = 20) -> QuerySet:
    """Contracts a staff member may open a request on for a caller (accounts of their units), matching `match`.

    `servicedesk.open_for_customer` on the account's unit decides; with it, the accounts are the user's
    visible ones (the rule is the permission plus the unit), found by the back office's search filter.
    """
    from gridcare.customers.models import Account

    if not policy.may(user=user, action="servicedesk.open_for_customer"):
        return Account.objects.none()
    rows = policy.reach(Account.objects.exclude(status=Account.Status.CLOSED), user=user)
    if match is not None:
        rows = rows.filter(match)
    return rows.select_related("customer", "premise__commune", "unit").order_by("code", "pk")[:limit]


def account_for_hotline(*, user, code: str):
    """One contract a staff member may open a request on (None: not theirs, closed, or unknown — the same)."""
    from gridcare.customers.models import Account

    if not policy.may(user=user, action="servicedesk.open_for_customer"):
        return None
    account = (policy.reach(Account.objects.exclude(status=Account.Status.CLOSED), user=user)
               .select_related("customer", "premise__commune", "unit").filter(code=str(code).strip().upper()).first())  # fmt: skip
    if account is None or not policy.may(
        user=user, action="servicedesk.open_for_customer", unit_id=account.unit_id
    ):
        return None
    return account


def open_requests_of_account(*, account) -> QuerySet[ServiceRequest]:
    """The contract's open requests (the hotline shows them so that a caller is not given a second one)."""
    return (
        ServiceRequest.objects.filter(account=account, state__in=OPEN_STATES)
        .select_related("request_type")
        .order_by("opened_at", "pk")
    )


def planned_work_order(*, request: ServiceRequest) -> WorkOrder | None:
    """The request's work order waiting to be started, or None."""
    return WorkOrder.objects.filter(request=request, state=WorkOrder.State.PLANNED).first()
