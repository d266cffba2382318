"""Reads of the outages area: who an outage affects (topology, one query), the schedule, reports, interruptions.

`published_outages` and `recorded_interruptions` are read by the public schedule, the iCalendar feeds and the
reliability dashboard: keep their names and arguments stable.
"""

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import Coalesce

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.customers.models import Account, ServicePoint
from gridcare.network.models import TransformerStation
from gridcare.org import policy
from gridcare.org.models import Commune
from gridcare.outages.models import (
    ANNOUNCED_STATUSES,
    Outage,
    OutageKind,
    OutageReport,
    OutageStatus,
    RestorationRequest,
)

# --- topology --------------------------------------------------------------------------------------------


def affected_service_points(
    *,
    substation_ids: Iterable[int] = (),
    feeder_ids: Iterable[int] = (),
    transformer_station_ids: Iterable[int] = (),
    commune_ids: Iterable[int] = (),
) -> QuerySet[ServicePoint]:
    """Service points fed by any of the grid elements, or at premises in any of the communes/wards (one query)."""
    substation_ids, feeder_ids = list(substation_ids), list(feeder_ids)
    transformer_station_ids, commune_ids = list(transformer_station_ids), list(commune_ids)
    stations = Q(pk__in=[])
    if transformer_station_ids:
        stations |= Q(pk__in=transformer_station_ids)
    if feeder_ids:
        stations |= Q(feeder_id__in=feeder_ids)
    if substation_ids:
        stations |= Q(feeder__substation_id__in=substation_ids)
    where = Q(pk__in=[])
    if transformer_station_ids or feeder_ids or substation_ids:
        where |= Q(transformer_station_id__in=TransformerStation.objects.filter(stations).values("pk"))
    if commune_ids:
        where |= Q(premise__commune_id__in=commune_ids)
    return ServicePoint.objects.filter(where)


def outage_elements(*, outage: Outage) -> dict[str, list[int]]:
    """The ids of the grid elements and areas an outage names (arguments of `affected_service_points`)."""
    if outage.pk is None:
        return {"substation_ids": [], "feeder_ids": [], "transformer_station_ids": [], "commune_ids": []}
    return {
        "substation_ids": list(outage.substations.values_list("pk", flat=True)),
        "feeder_ids": list(outage.feeders.values_list("pk", flat=True)),
        "transformer_station_ids": list(outage.transformer_stations.values_list("pk", flat=True)),
        "commune_ids": list(outage.communes.values_list("pk", flat=True)),
    }


def affected_accounts(
    *,
    outage: Outage | None = None,
    substation_ids: Iterable[int] = (),
    feeder_ids: Iterable[int] = (),
    transformer_station_ids: Iterable[int] = (),
    commune_ids: Iterable[int] = (),
) -> QuerySet[Account]:
    """The contracts (not closed) with a service point the outage (or the given elements) switches off.

    One query; pass it straight to `notify(recipients=…)`, which stages it in the database.
    """
    elements = outage_elements(outage=outage) if outage is not None else {
        "substation_ids": substation_ids, "feeder_ids": feeder_ids,
        "transformer_station_ids": transformer_station_ids, "commune_ids": commune_ids,
    }  # fmt: skip
    points = affected_service_points(**elements)
    return Account.objects.filter(pk__in=points.values("account_id")).exclude(status=Account.Status.CLOSED)


@dataclasses.dataclass(frozen=True)
class AffectedSummary:
    """What staff see before publishing: how many customers, and the sensitive accounts among them."""

    customers: int
    sensitive: list[dict]


def affected_summary(*, outage: Outage, sensitive_limit: int = 200) -> AffectedSummary:
    """The number of affected contracts and the sensitive ones (hospitals, schools, large customers…)."""
    accounts = affected_accounts(outage=outage)
    sensitive = list(
        accounts.exclude(sensitive="")
        .order_by("sensitive", "code", "pk")
        .values("pk", "code", "sensitive", "customer__name", "premise__street")[:sensitive_limit]
    )
    return AffectedSummary(customers=accounts.count(), sensitive=sensitive)


# --- schedule (public page, feeds) -------------------------------------------------------------------------


def _outages_in_communes(commune_ids) -> Q:
    """Outages naming one of the communes, or a grid element with a transformer station in one of them."""
    through = Outage
    return (
        Q(pk__in=through.communes.through.objects.filter(commune_id__in=commune_ids).values("outage_id"))
        | Q(pk__in=through.transformer_stations.through.objects.filter(
            transformerstation__commune_id__in=commune_ids).values("outage_id"))
        | Q(pk__in=through.feeders.through.objects.filter(
            feeder__transformer_stations__commune_id__in=commune_ids).values("outage_id"))
        | Q(pk__in=through.substations.through.objects.filter(
            substation__feeders__transformer_stations__commune_id__in=commune_ids).values("outage_id"))
    )  # fmt: skip


def _outages_of_account(account_ids) -> Q:
    """Outages whose elements or areas reach a service point of the accounts."""
    points = ServicePoint.objects.filter(account_id__in=account_ids)
    return (
        Q(pk__in=Outage.transformer_stations.through.objects.filter(
            transformerstation_id__in=points.values("transformer_station_id")).values("outage_id"))
        | Q(pk__in=Outage.feeders.through.objects.filter(
            feeder_id__in=points.values("transformer_station__feeder_id")).values("outage_id"))
        | Q(pk__in=Outage.substations.through.objects.filter(
            substation_id__in=points.values("transformer_station__feeder__substation_id")).values("outage_id"))
        | Q(pk__in=Outage.communes.through.objects.filter(
            commune_id__in=points.values("premise__commune_id")).values("outage_id"))
    )  # fmt: skip


def published_outages(
    *,
    province_id: int | None = None,
    commune_id: int | None = None,
    customer_code: str | None = None,
    account_ids: Sequence[int] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    kind: str | None = None,
    include_restored: bool = False,
) -> QuerySet[Outage]:
    """Announced outages (published, changed, in progress; restored ones too when asked), by place and window.

    The window keeps outages that overlap [start, end): an outage begins at its scheduled start (an incident at
    its actual start) and ends at its restoration, else its expected end; an unknown end overlaps every later
    window. Ordered by beginning, then id. An unknown customer code gives no outages.
    """
    statuses = list(ANNOUNCED_STATUSES) + ([OutageStatus.RESTORED] if include_restored else [])
    rows = Outage.objects.filter(status__in=statuses).annotate(
        begins_at=Coalesce("scheduled_start", "started_at"), ends_at=Coalesce("restored_at", "scheduled_end")
    )
    if kind is not None:
        rows = rows.filter(kind=kind)
    if province_id is not None:
        rows = rows.filter(_outages_in_communes(Commune.objects.filter(province_id=province_id).values("pk")))
    if commune_id is not None:
        rows = rows.filter(_outages_in_communes([commune_id]))
    if customer_code is not None:
        rows = rows.filter(
            _outages_of_account(Account.objects.filter(code=customer_code.strip().upper()).values("pk"))
        )
    if account_ids is not None:
        rows = rows.filter(_outages_of_account(list(account_ids)))
    if end is not None:
        rows = rows.filter(begins_at__lt=end)
    if start is not None:
        rows = rows.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=start))
    return rows.select_related("unit").order_by("begins_at", "pk")


def outage_communes(*, outage: Outage) -> QuerySet[Commune]:
    """The communes/wards an outage reaches (named, or where its transformer stations stand), by name."""
    return Commune.objects.filter(
        Q(pk__in=outage.communes.values("pk"))
        | Q(pk__in=TransformerStation.objects.filter(
            Q(pk__in=outage.transformer_stations.values("pk")) | Q(feeder__in=outage.feeders.values("pk"))
            | Q(feeder__substation__in=outage.substations.values("pk"))).values("commune_id"))
    ).select_related("province").order_by("name", "pk")  # fmt: skip


def known_outage_for_account(*, account: Account, now: dt.datetime) -> Outage | None:
    """The announced outage that covers the account now (in progress, or scheduled over `now`), if any."""
    rows = published_outages(account_ids=[account.pk], start=now, end=now + dt.timedelta(seconds=1))
    # An incident first ("incident" sorts before "planned"): it is what the customer is living through.
    return (
        rows.filter(Q(status=OutageStatus.IN_PROGRESS) | Q(begins_at__lte=now))
        .order_by("kind", "begins_at", "pk")
        .first()
    )


def overdue_outages(*, now: dt.datetime) -> QuerySet[Outage]:
    """Outages still in progress after their expected restoration (staff must close or update them)."""
    return Outage.objects.filter(status=OutageStatus.IN_PROGRESS, scheduled_end__lt=now)


# --- reliability inputs ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Interruption:
    """One recorded interruption: local start and end, customers interrupted, planned or not."""

    outage_id: int
    unit_id: int
    start: dt.datetime
    end: dt.datetime
    customers: int
    planned: bool
    notified_days_ahead: float | None


def _month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    first = dt.datetime(year, month, 1, tzinfo=BUSINESS_TZ)
    following = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=BUSINESS_TZ)
    return first, following


def recorded_interruptions(*, unit_ids: Sequence[int] | None, year: int, month: int) -> list[Interruption]:
    """Closed outages that started in the (local) month, of the units (None: all), oldest first.

    Counted in the month they started even when restored in the next one. Customers: the count taken at
    close, else at publish.
    """
    first, following = _month_bounds(year, month)
    rows = Outage.objects.filter(
        status=OutageStatus.RESTORED,
        started_at__gte=first,
        started_at__lt=following,
        restored_at__isnull=False,
    )
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=list(unit_ids))
    result = []
    for outage in rows.order_by("started_at", "pk"):
        ahead = None
        if outage.kind == OutageKind.PLANNED and outage.published_at and outage.scheduled_start:
            ahead = (outage.scheduled_start - outage.published_at).total_seconds() / 86400
        result.append(
            Interruption(
                outage_id=outage.pk, unit_id=outage.unit_id,
                start=outage.started_at.astimezone(BUSINESS_TZ), end=outage.restored_at.astimezone(BUSINESS_TZ),
                customers=outage.customers_at_close if outage.customers_at_close is not None else (outage.customers_at_publish or 0),
                planned=outage.kind == OutageKind.PLANNED, notified_days_ahead=ahead,
            )
        )  # fmt: skip
    return result


def customers_served(*, unit_ids: Sequence[int] | None) -> int:
    """Contracts not closed of the units (None: all): the denominator of SAIDI/SAIFI."""
    rows = Account.objects.exclude(status=Account.Status.CLOSED)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=list(unit_ids))
    return rows.count()


# --- customer reports ---------------------------------------------------------------------------------------


def report_window() -> dt.timedelta:
    """How close in time reports must be to be grouped (`GRIDCARE_OUTAGE_REPORT_WINDOW_MINUTES`, default 60)."""
    return dt.timedelta(minutes=int(getattr(settings, "GRIDCARE_OUTAGE_REPORT_WINDOW_MINUTES", 60)))


@dataclasses.dataclass(frozen=True)
class SuggestedIncident:
    """Ungrouped reports under one feeder within the window: staff open an incident on them with one click."""

    feeder_id: int
    feeder_label: str
    unit_id: int
    reports: int
    accounts: int
    transformer_station_ids: tuple[int, ...]
    first_at: dt.datetime
    last_at: dt.datetime

    @property
    def whole_feeder(self) -> bool:
        """Reports from several transformer stations of one feeder point at the feeder itself."""
        return len(self.transformer_station_ids) > 1


def suggested_incidents(*, reports: QuerySet[OutageReport], now: dt.datetime) -> list[SuggestedIncident]:
    """Group the ungrouped reports of the window by feeder (the caller passes the rows the user may see).

    Reports under one transformer station suggest an incident on that station; under several stations of one
    feeder, on the feeder. Most reports first.
    """
    recent = reports.filter(outage__isnull=True, reported_at__gte=now - report_window(), reported_at__lte=now)
    groups = (
        recent.values("feeder_id", "feeder__code", "feeder__name", "feeder__unit_id")
        .annotate(
            n=Count("pk"),
            accounts=Count("account_id", distinct=True),
            first=Min("reported_at"),
            last=Max("reported_at"),
        )
        .order_by("-n", "feeder_id")
    )
    stations: dict[int, set[int]] = {}
    for feeder_id, station_id in recent.values_list("feeder_id", "transformer_station_id").distinct():
        stations.setdefault(feeder_id, set()).add(station_id)
    return [
        SuggestedIncident(
            feeder_id=g["feeder_id"], feeder_label=f"{g['feeder__code']} {g['feeder__name']}", unit_id=g["feeder__unit_id"],
            reports=g["n"], accounts=g["accounts"], transformer_station_ids=tuple(sorted(stations.get(g["feeder_id"], ()))),
            first_at=g["first"], last_at=g["last"],
        )
        for g in groups
    ]  # fmt: skip


def reports_of_account(*, account: Account, limit: int = 10) -> QuerySet[OutageReport]:
    """The account's latest reports, newest first."""
    return (
        OutageReport.objects.filter(account=account)
        .select_related("outage")
        .order_by("-reported_at", "-pk")[:limit]
    )


def restoration_requested(*, account: Account, outage: Outage) -> bool:
    return RestorationRequest.objects.filter(account=account, outage=outage).exists()


def outage_history(*, outage: Outage):
    """The outage's status history, oldest first."""
    return outage.events.select_related("by").order_by("at", "pk")


def outages_visible(*, user) -> QuerySet[Outage]:
    """The outages a staff member may see (`org.policy`)."""
    return policy.records(Outage.objects.all(), user=user)


def outage_reports_visible(*, user) -> QuerySet[OutageReport]:
    """Customers' outage reports a staff member may see (`org.policy`)."""
    return policy.records(OutageReport.objects.all(), user=user)


def outage_by_pk(*, pk: int) -> Outage:
    """One outage (DoesNotExist when there is none)."""
    return Outage.objects.get(pk=pk)
