"""Grid reads by unit and by topology; grid writes are validated and audited."""

import pytest
from django.core.exceptions import ValidationError

from gridcare.core.models import AuditEntry
from gridcare.network import selectors, services


def test_stations_fed_by_a_feeder_or_substation(world):
    feeder = world["feeder"]
    other = services.feeder_create(
        substation=feeder.substation, unit=world["company"], code="472-CT1", name="Lộ 472"
    )
    moved = services.transformer_station_create(
        feeder=other,
        unit=world["teams"][0],
        commune=world["communes"][0],
        code="T-NK-2",
        name="TBA NK 2",
        capacity_kva=160,
    )
    on_471 = {s.pk for s in world["stations"].values()}
    assert set(selectors.transformer_station_ids_fed_by(feeder_ids=[feeder.pk])) == on_471
    assert set(selectors.transformer_station_ids_fed_by(substation_ids=[feeder.substation_id])) == on_471 | {
        moved.pk
    }
    assert selectors.transformer_station_ids_fed_by() == []


def test_stations_for_units(world):
    team_a = world["teams"][0]
    assert [s.code for s in selectors.transformer_stations_for_units(unit_ids=[team_a.pk])] == ["T-NK-1"]
    assert len(selectors.transformer_stations_for_units(unit_ids=None)) == 2


def test_station_capacity_must_be_positive(world):
    with pytest.raises(ValidationError):
        services.transformer_station_create(
            feeder=world["feeder"],
            unit=world["teams"][0],
            commune=world["communes"][0],
            code="T-0",
            name="x",
            capacity_kva=0,
        )


def test_moving_a_station_is_audited(world):
    feeder = world["feeder"]
    other = services.feeder_create(
        substation=feeder.substation, unit=world["company"], code="472-CT1", name="Lộ 472"
    )
    station = world["stations"][world["teams"][0]]
    services.transformer_station_move(station=station, feeder=other)
    entry = AuditEntry.objects.get(object_type="network.transformerstation", action=AuditEntry.Action.UPDATE)
    assert entry.before == {"feeder_id": feeder.pk}
    assert entry.after == {"feeder_id": other.pk}
