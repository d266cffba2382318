"""Reads of the grid: what a unit runs, and which transformer stations a grid element feeds."""

from django.db.models import QuerySet

from gridcare.network.models import Feeder, Substation, TransformerStation


def substations_for_units(*, unit_ids: list[int] | None) -> QuerySet[Substation]:
    """Substations run by these units (None: all), by code."""
    substations = (
        Substation.objects.all() if unit_ids is None else Substation.objects.filter(unit__in=unit_ids)
    )
    return substations.order_by("code", "pk")


def feeders_for_units(*, unit_ids: list[int] | None) -> QuerySet[Feeder]:
    """Feeders run by these units (None: all), with their substation, by code."""
    feeders = Feeder.objects.all() if unit_ids is None else Feeder.objects.filter(unit__in=unit_ids)
    return feeders.select_related("substation").order_by("code", "pk")


def transformer_stations_for_units(*, unit_ids: list[int] | None) -> QuerySet[TransformerStation]:
    """Transformer stations run by these units (None: all), by code."""
    stations = (
        TransformerStation.objects.all()
        if unit_ids is None
        else TransformerStation.objects.filter(unit__in=unit_ids)
    )
    return stations.select_related("feeder", "commune").order_by("code", "pk")


def transformer_station_ids_fed_by(
    *, substation_ids: list[int] = (), feeder_ids: list[int] = (), station_ids: list[int] = ()
) -> list[int]:
    """Ids of the transformer stations below the named grid elements, in one query (for outage notices)."""
    stations = TransformerStation.objects.none()
    if substation_ids:
        stations = stations | TransformerStation.objects.filter(feeder__substation__in=substation_ids)
    if feeder_ids:
        stations = stations | TransformerStation.objects.filter(feeder__in=feeder_ids)
    if station_ids:
        stations = stations | TransformerStation.objects.filter(pk__in=station_ids)
    return list(stations.order_by("pk").values_list("pk", flat=True).distinct())


def feeders_among(*, ids) -> QuerySet[Feeder]:
    """The feeders of these ids (a list or a values queryset)."""
    return Feeder.objects.filter(pk__in=ids)
