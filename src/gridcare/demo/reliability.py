"""Demo reliability history: twelve months of closed outages for the first teams, so that the back office's
reliability dashboard has figures in every state.

Per team and past month: a planned outage (announced 4 to 7 days ahead, so some are late), a sustained incident
(20 to 60 minutes), a momentary one (1 to 5 minutes; exactly 5 is still momentary); in the sixth month an incident
crosses the month end (counted in the month it started). Outages already closed are history: they are written
set-based (bulk), with their closing event, and notify nobody. Deterministic; skipped when the history exists.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Count

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.customers.models import ServicePoint
from gridcare.network.models import TransformerStation
from gridcare.org.models import Unit
from gridcare.outages.models import Outage, OutageEvent, OutageKind, OutageStatus

TEAMS = 6
MONTHS = 12
REASON_PLANNED = "Bảo dưỡng định kỳ đường dây và trạm biến áp"
REASON_INCIDENT = "Sự cố lưới điện (cây ngã, thiết bị hỏng)"


def _month_start(key: int) -> dt.date:
    return dt.date(key // 12, key % 12 + 1, 1)


@transaction.atomic
def demo_reliability_history_load(*, now: dt.datetime) -> int:
    """Write the history (once); returns how many outages were created."""
    today = now.astimezone(BUSINESS_TZ).date()
    current = today.year * 12 + today.month - 1
    if Outage.objects.filter(status=OutageStatus.RESTORED, reason=REASON_PLANNED).exists():
        return 0
    teams = list(Unit.objects.filter(kind=Unit.Kind.TEAM).order_by("path", "pk")[:TEAMS])
    stations = {}
    for station in TransformerStation.objects.filter(unit__in=teams).order_by("pk"):
        stations.setdefault(station.unit_id, station)
    counts = dict(
        ServicePoint.objects.filter(transformer_station__in=list(stations.values()))
        .values_list("transformer_station_id")
        .annotate(n=Count("account_id", distinct=True))
        .order_by()
    )
    rows, places = [], []
    for t, team in enumerate(teams):
        station = stations.get(team.pk)
        if station is None or not counts.get(station.pk):
            continue
        customers = counts[station.pk]
        place = f"khu vực {station.name}"
        for m, key in enumerate(range(current - MONTHS, current)):
            first = _month_start(key)
            planned_start = dt.datetime.combine(first.replace(day=8 + t), dt.time(8), tzinfo=BUSINESS_TZ)
            planned_end = planned_start + dt.timedelta(hours=2 + (m + t) % 3)
            notice = dt.timedelta(days=4 + (m + t) % 4)
            sustained = dt.datetime.combine(first.replace(day=15 + t), dt.time(14), tzinfo=BUSINESS_TZ)
            blip = dt.datetime.combine(first.replace(day=20 + t), dt.time(9), tzinfo=BUSINESS_TZ)
            items = [
                (OutageKind.PLANNED, planned_start, planned_end, planned_start - notice, customers),
                (OutageKind.INCIDENT, sustained, sustained + dt.timedelta(minutes=20 + 10 * ((m * (t + 1)) % 5)), None,
                 max(1, customers // 2)),
                (OutageKind.INCIDENT, blip, blip + dt.timedelta(minutes=1 + (m + t) % 5), None, customers),
            ]  # fmt: skip
            if m == 5:
                last_day = _month_start(key + 1) - dt.timedelta(days=1)
                late = dt.datetime.combine(last_day, dt.time(23), tzinfo=BUSINESS_TZ)
                items.append(
                    (OutageKind.INCIDENT, late, late + dt.timedelta(hours=2, minutes=30), None, customers)
                )
            for kind, start, end, published, count in items:
                planned = kind == OutageKind.PLANNED
                rows.append(
                    Outage(
                        kind=kind,
                        status=OutageStatus.RESTORED,
                        unit=team,
                        place=place,
                        reason=REASON_PLANNED if planned else REASON_INCIDENT,
                        scheduled_start=start if planned else None,
                        scheduled_end=end if planned else None,
                        started_at=start,
                        restored_at=end,
                        customers_at_publish=count,
                        customers_at_close=count,
                        published_at=published or start,
                        created_at=(published or start) - dt.timedelta(hours=1),
                    )  # fmt: skip
                )
                places.append(station)
    created = Outage.objects.bulk_create(rows)
    Outage.transformer_stations.through.objects.bulk_create(
        [
            Outage.transformer_stations.through(outage_id=o.pk, transformerstation_id=s.pk)
            for o, s in zip(created, places, strict=True)
        ]
    )
    OutageEvent.objects.bulk_create(
        [
            OutageEvent(
                outage=o,
                at=o.restored_at,
                action=OutageEvent.Action.RESTORED,
                status=OutageStatus.RESTORED,
                customers=o.customers_at_close,
            )
            for o in created
        ]  # fmt: skip
    )
    return len(created)
