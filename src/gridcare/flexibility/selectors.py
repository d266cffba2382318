"""Reads of demand response: programmes, events and results for staff and customers, interval data as arrays."""

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.core.sqlarrays import fetch_int_matrix
from gridcare.customers.models import Account
from gridcare.flexibility.models import (
    Enrolment,
    Event,
    EventParticipant,
    IntervalResult,
    Programme,
    Ven,
    VenReport,
    VenResource,
    VenSubscription,
)
from gridcare.metering.models import IntervalReading, MeterInstallation, Reading
from gridcare.org import policy
from gridcare.tariffs.models import TariffVersion, TimeOfUsePrice, TimeOfUseSchedule, TimeOfUseWindow

HALF_HOUR = dt.timedelta(minutes=30)


def programmes_visible(*, user) -> QuerySet[Programme]:
    """Programmes the staff member may see."""
    return policy.records(Programme.objects.all(), user=user).order_by("code", "pk")


def events_visible(*, user) -> QuerySet[Event]:
    """Events the staff member may see, newest first."""
    return policy.records(Event.objects.select_related("programme"), user=user).order_by("-starts_at", "-pk")


def annual_kwh(*, account: Account, today: dt.date) -> int:
    """The account's consumption over the last year from its register readings, scaled to 365 days."""
    readings = list(
        Reading.objects.filter(
            account=account, read_on__gt=today - dt.timedelta(days=400), read_on__lte=today
        )
        .order_by("read_on", "pk")
        .values_list("read_on", "total", "meter__multiplier")
    )
    if len(readings) < 2:
        return 0
    used = sum(max(b[1] - a[1], 0) * b[2] for a, b in zip(readings, readings[1:], strict=False))
    days = (readings[-1][0] - readings[0][0]).days
    return round(used * 365 / days) if days else 0


def has_interval_meter(*, account: Account, today: dt.date) -> bool:
    """Does the account's current meter send 30-minute interval data (any in the last 7 days)?"""
    meters = MeterInstallation.objects.filter(account=account, installed_on__lte=today).exclude(
        removed_on__lte=today
    )
    since = dt.datetime.combine(today - dt.timedelta(days=7), dt.time(), tzinfo=BUSINESS_TZ)
    return IntervalReading.objects.filter(meter__in=meters.values("meter"), start__gte=since).exists()


def event_participants(*, event: Event) -> QuerySet[EventParticipant]:
    """The participants of an event with their accounts, in account order."""
    return event.participants.select_related("account", "account__customer").order_by("account__code", "pk")


@dataclass(frozen=True)
class EventSummary:
    participants: int
    acknowledged: int
    opted_out: int
    pending: int
    delivered_kw: float  # average over the window
    target_kw: int


def event_summary(*, event: Event) -> EventSummary:
    """Counts of answers and the average kW delivered against the target."""
    counts = event.participants.aggregate(
        total=Count("pk"),
        acknowledged=Count("pk", filter=Q(response=EventParticipant.Response.ACKNOWLEDGED)),
        opted_out=Count("pk", filter=Q(response=EventParticipant.Response.OPTED_OUT)),
        delivered=Sum("delivered_wh"),
    )
    hours = (event.ends_at - event.starts_at).total_seconds() / 3600
    delivered_kw = (counts["delivered"] or 0) / 1000 / hours if hours else 0.0
    return EventSummary(
        participants=counts["total"], acknowledged=counts["acknowledged"], opted_out=counts["opted_out"],
        pending=counts["total"] - counts["acknowledged"] - counts["opted_out"], delivered_kw=delivered_kw,
        target_kw=event.target_kw,
    )  # fmt: skip


def event_ranking(*, event: Event) -> QuerySet[EventParticipant]:
    """Measured participants, the largest delivery first."""
    return (
        event.participants.filter(has_baseline=True)
        .select_related("account", "account__customer")
        .order_by("-delivered_wh", "account__code", "pk")
    )


def participant_intervals(*, participant: EventParticipant) -> QuerySet[IntervalResult]:
    return participant.intervals.order_by("start", "pk")


def customer_events(*, account: Account) -> QuerySet[EventParticipant]:
    """The events an account was called for, newest first."""
    return (
        EventParticipant.objects.filter(account=account)
        .select_related("event", "event__programme")
        .order_by("-event__starts_at", "-pk")
    )


def customer_participation(*, account: Account, participant_id: int) -> EventParticipant | None:
    """One of the account's participations (None: not theirs)."""
    return customer_events(account=account).filter(pk=participant_id).first()


def ven_events(*, ven: Ven) -> QuerySet[Event]:
    """The events the VEN's customer was called for."""
    return (
        Event.objects.filter(participants__account_id=ven.account_id)
        .select_related("programme")
        .order_by("starts_at", "pk")
    )


def ven_participations(*, ven: Ven, event_ids: list[int]) -> QuerySet[EventParticipant]:
    """The VEN's customer's participations in these events."""
    return EventParticipant.objects.filter(account_id=ven.account_id, event_id__in=event_ids)


def ven_programmes(*, ven: Ven) -> QuerySet[Programme]:
    """The programmes the VEN's customer is enrolled in."""
    return Programme.objects.filter(enrolments__account_id=ven.account_id).distinct().order_by("pk")


@dataclass(frozen=True)
class RecognitionRow:
    account_id: int
    account_code: str
    customer_name: str
    events: int
    delivered_kwh: int
    shifted_kwh: int
    saved_vnd: int


def recognition_list(
    *, since: dt.date, until: dt.date, unit_ids: list[int] | None = None
) -> list[RecognitionRow]:
    """Customers to honour (Appreciation Month): participants who delivered at least their programme's threshold
    in events on days [since, until), with their totals, the largest delivery first. `unit_ids`: limit to units."""
    rows = EventParticipant.objects.filter(
        event__day__gte=since, event__day__lt=until, has_baseline=True,
        delivered_wh__gte=1000 * F("event__programme__recognition_min_kwh"),
    )  # fmt: skip
    if unit_ids is not None:
        rows = rows.filter(account__unit_id__in=unit_ids)
    grouped = (
        rows.values("account_id", "account__code", "account__customer__name")
        .annotate(
            events=Count("pk"),
            delivered=Sum("delivered_wh"),
            shifted=Sum("shifted_wh"),
            saved=Sum("saved_vnd"),
        )
        .order_by("-delivered", "account__code")
    )
    return [
        RecognitionRow(
            account_id=r["account_id"],
            account_code=r["account__code"],
            customer_name=r["account__customer__name"],
            events=r["events"],
            delivered_kwh=round((r["delivered"] or 0) / 1000),
            shifted_kwh=round((r["shifted"] or 0) / 1000),
            saved_vnd=r["saved"] or 0,
        )  # fmt: skip
        for r in grouped
    ]


# --- inputs of the measurement -------------------------------------------------------------------------------


def _epoch_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"  # %% for the driver's paramstyle


def participant_meters(*, account_ids: list[int], day: dt.date) -> dict[int, int]:
    """The meter installed at each account on `day` (account id → meter id)."""
    rows = (
        MeterInstallation.objects.filter(account_id__in=account_ids, installed_on__lte=day)
        .exclude(removed_on__lte=day)
        .order_by("account_id", "installed_on", "pk")
        .values_list("account_id", "meter_id")
    )
    return dict(rows)


def interval_loads(*, meter_ids: list[int], first_day: dt.date, last_day: dt.date) -> np.ndarray:
    """Interval energy (Wh) of the meters as meters × days × 48 (local half-hours), NaN where missing; one query."""
    days = (last_day - first_day).days + 1
    loads = np.full((len(meter_ids), days, 48), np.nan)
    if not meter_ids:
        return loads
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=BUSINESS_TZ)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=BUSINESS_TZ)
    adapt = connection.ops.adapt_datetimefield_value
    placeholders = ", ".join(["%s"] * len(meter_ids))
    table = IntervalReading._meta.db_table
    matrix = fetch_int_matrix(
        sql=f"SELECT meter_id, {_epoch_sql('start')}, energy_wh FROM {table} "  # noqa: S608
        f"WHERE meter_id IN ({placeholders}) AND start >= %s AND start < %s",
        params=[*meter_ids, adapt(start), adapt(end)],
        columns=3,
    )
    if not len(matrix):
        return loads
    index = {meter: i for i, meter in enumerate(meter_ids)}
    rows = np.array([index[m] for m in matrix[:, 0].tolist()])
    slot = (matrix[:, 1] - int(start.timestamp())) // 1800
    loads.reshape(len(meter_ids), days * 48)[rows, slot] = matrix[:, 2]
    return loads


def time_of_use_periods(*, day: dt.date) -> list[str | None]:
    """The time-of-use period of each local half-hour of `day` (None without a schedule)."""
    schedule = (
        TimeOfUseSchedule.objects.filter(active_from__lte=day)
        .filter(Q(active_to__isnull=True) | Q(active_to__gt=day))
        .order_by("-active_from", "-pk")
        .first()
    )
    periods: list[str | None] = [None] * 48
    if schedule is None:
        return periods
    kind = (
        TimeOfUseWindow.DayKind.SUNDAY if day.weekday() == 6 else TimeOfUseWindow.DayKind.MONDAY_TO_SATURDAY
    )
    for window in schedule.windows.filter(days=kind).order_by("starts_at", "pk"):
        first = window.starts_at.hour * 2 + window.starts_at.minute // 30
        last = (
            48 if window.ends_at == dt.time(0, 0) else window.ends_at.hour * 2 + window.ends_at.minute // 30
        )
        periods[first:last] = [window.period] * (last - first)
    return periods


def time_of_use_prices(*, accounts: list[Account], day: dt.date) -> np.ndarray:
    """Peak, normal and off-peak prices (VND/kWh before VAT) for each account's purpose and voltage on `day`."""
    versions = (
        TariffVersion.objects.filter(method="time_of_use", active_from__lte=day)
        .filter(Q(active_to__isnull=True) | Q(active_to__gt=day))
        .order_by("purpose", "-active_from", "-pk")
    )
    latest = {}
    for version in versions:
        latest.setdefault(version.purpose, version.pk)
    prices = {
        (p.version_id, p.voltage, p.period): p.unit_price
        for p in TimeOfUsePrice.objects.filter(version_id__in=latest.values())
    }
    out = np.zeros((len(accounts), 3))
    for i, account in enumerate(accounts):
        version = latest.get(account.purpose)
        for j, period in enumerate(("peak", "normal", "offpeak")):
            out[i, j] = prices.get((version, account.voltage, period), 0)
    return out


def programme_event_days(*, programme: Programme, before: dt.date) -> list[dt.date]:
    """Days of the programme's earlier events (not cancelled): excluded from baselines. An event past midnight
    excludes the next day too (its early hours were part of the event)."""
    days = set()
    events = (
        Event.objects.filter(programme=programme, day__lt=before)
        .exclude(status=Event.Status.CANCELLED)
        .values_list("day", "ends_at")
    )
    for day, ends_at in events:
        last = (ends_at.astimezone(BUSINESS_TZ) - dt.timedelta(microseconds=1)).date()
        days.update(day + dt.timedelta(days=k) for k in range((last - day).days + 1))
    return sorted(d for d in days if d < before)


def enrolments_of(*, programme: Programme) -> QuerySet[Enrolment]:
    return programme.enrolments.select_related("account", "account__customer").order_by("account__code", "pk")


def participations_of(*, accounts: QuerySet[Account]) -> QuerySet[EventParticipant]:
    """The demand-response events these accounts were called for, newest first."""
    return EventParticipant.objects.filter(account__in=accounts).select_related(
        "account", "event", "event__programme"
    ).order_by("-event__starts_at", "-pk")  # fmt: skip


def is_enrolled(*, account: Account) -> bool:
    """Whether the account takes part in any programme."""
    return Enrolment.objects.filter(account=account).exists()


def ven_reports(*, ven: Ven) -> QuerySet[VenReport]:
    """A VEN's reports, oldest first."""
    return VenReport.objects.filter(ven=ven).select_related("event").order_by("pk")


def ven_subscriptions(*, ven: Ven) -> QuerySet[VenSubscription]:
    """A VEN's subscriptions, oldest first."""
    return VenSubscription.objects.filter(ven=ven).order_by("pk")


def ven_resources(*, ven: Ven) -> QuerySet[VenResource]:
    """A VEN's resources (its devices), oldest first."""
    return VenResource.objects.filter(ven=ven).order_by("pk")


def ven_resource(*, ven: Ven, resource_id: int) -> VenResource | None:
    """One of the VEN's resources, or None."""
    return VenResource.objects.filter(ven=ven, pk=resource_id).first()


def ven_resource_name_taken(*, ven: Ven, resource_name: str, other_than: VenResource | None = None) -> bool:
    """Whether another resource of the VEN already has this name."""
    rows = VenResource.objects.filter(ven=ven, resource_name=resource_name)
    return rows.exclude(pk=other_than.pk).exists() if other_than is not None else rows.exists()
