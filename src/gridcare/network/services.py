"""Writes of the grid: substations, feeders and transformer stations, validated and audited."""

from django.db import transaction

from gridcare.core.audit import audit_model_change, model_snapshot
from gridcare.network.models import Feeder, Substation, TransformerStation
from gridcare.org.models import Commune, Unit


@transaction.atomic
def substation_create(*, unit: Unit, code: str, name: str, voltage_kv: int = 110, user=None) -> Substation:
    """Create a substation run by `unit`."""
    substation = Substation(unit=unit, code=code, name=name, voltage_kv=voltage_kv)
    substation.full_clean()
    substation.save()
    audit_model_change(instance=substation, before=None, user=user)
    return substation


@transaction.atomic
def feeder_create(
    *, substation: Substation, unit: Unit, code: str, name: str, voltage_kv: int = 22, user=None
) -> Feeder:
    """Create a medium-voltage feeder out of `substation`, run by `unit`."""
    feeder = Feeder(substation=substation, unit=unit, code=code, name=name, voltage_kv=voltage_kv)
    feeder.full_clean()
    feeder.save()
    audit_model_change(instance=feeder, before=None, user=user)
    return feeder


@transaction.atomic
def transformer_station_create(
    *, feeder: Feeder, unit: Unit, commune: Commune, code: str, name: str, capacity_kva: int,
    customer_owned: bool = False, user=None,
) -> TransformerStation:  # fmt: skip
    """Create a distribution transformer station on `feeder`, in `commune`, run by `unit`."""
    station = TransformerStation(
        feeder=feeder, unit=unit, commune=commune, code=code, name=name, capacity_kva=capacity_kva,
        customer_owned=customer_owned,
    )  # fmt: skip
    station.full_clean()
    station.save()
    audit_model_change(instance=station, before=None, user=user)
    return station


@transaction.atomic
def transformer_station_move(*, station: TransformerStation, feeder: Feeder, user=None) -> TransformerStation:
    """Connect a transformer station to another feeder (a grid reconfiguration), audited."""
    before = model_snapshot(instance=station)
    station.feeder = feeder
    station.save(update_fields=["feeder"])
    audit_model_change(instance=station, before=before, user=user)
    return station
