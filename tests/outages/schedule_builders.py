"""Outages for tests of the public schedule and the reliability dashboard (direct rows, explicit values)."""

import datetime as dt

from gridcare.outages.models import Outage, OutageEvent, OutageKind, OutageStatus

HCM = dt.timezone(dt.timedelta(hours=7), "ICT")


def outage(
    world,
    *,
    start,
    end,
    place="khu vực chợ Ninh Kiều",
    kind=OutageKind.PLANNED,
    status=OutageStatus.PUBLISHED,
    unit=None,
    communes=(),
    stations=(),
    feeders=(),
    reason="Bảo trì lưới điện",
    revision=0,
    published_at=None,
    started_at=None,
    restored_at=None,
    customers=None,
    emergency=False,
    event_at=None,
):
    """One outage with its places and a status-history event (the feeds' DTSTAMP)."""
    incident = kind == OutageKind.INCIDENT
    row = Outage.objects.create(
        kind=kind, status=status, unit=unit or world["teams"][0], place=place, reason=reason,
        emergency=emergency, emergency_reason="Sự cố lưới" if emergency else "",
        scheduled_start=None if incident else start, scheduled_end=end,
        started_at=started_at or (start if incident else None), restored_at=restored_at,
        published_at=published_at or (start - dt.timedelta(days=7)), revision=revision,
        customers_at_publish=customers, customers_at_close=customers, created_at=start - dt.timedelta(days=8),
    )  # fmt: skip
    row.communes.set(communes)
    row.transformer_stations.set(stations)
    row.feeders.set(feeders)
    OutageEvent.objects.create(
        outage=row, at=event_at or row.published_at, action=OutageEvent.Action.PUBLISHED, status=status
    )
    return row
