"""Small, explicit builders of records for tests (the demo generator is for volume, these for clarity)."""

import datetime as dt
import itertools

from gridcare.customers.models import Account, Customer, Premise, ServicePoint
from gridcare.metering.models import Meter, MeterInstallation, Reading, ReadingRoute, RouteAccount
from gridcare.network.models import Feeder, Substation, TransformerStation
from gridcare.org.models import Commune, Province, Unit
from gridcare.org.services import unit_create

_seq = itertools.count(1)


def utility():
    """A corporation with one company and two teams, each serving one commune, with one transformer each."""
    province = Province.objects.create(code="92", name="Cần Thơ")
    ninh_kieu = Commune.objects.create(
        province=province, code="92-001", name="Ninh Kiều", kind=Commune.Kind.WARD
    )
    phong_dien = Commune.objects.create(
        province=province, code="92-002", name="Phong Điền", kind=Commune.Kind.COMMUNE
    )
    corporation = unit_create(
        kind=Unit.Kind.CORPORATION, code="EVNSPC", name="Tổng công ty Điện lực miền Nam"
    )
    company = unit_create(
        kind=Unit.Kind.COMPANY,
        code="PCCT",
        name="Công ty Điện lực Cần Thơ",
        parent=corporation,
        customer_code_prefix="PB",
    )
    team_a = unit_create(kind=Unit.Kind.TEAM, code="PCCT-NK", name="Đội QLĐ Ninh Kiều", parent=company)
    team_b = unit_create(kind=Unit.Kind.TEAM, code="PCCT-PD", name="Đội QLĐ Phong Điền", parent=company)
    team_a.communes.add(ninh_kieu)
    team_b.communes.add(phong_dien)
    substation = Substation.objects.create(unit=company, code="E-CT1", name="Trạm 110 kV Cần Thơ 1")
    feeder = Feeder.objects.create(substation=substation, unit=company, code="471-CT1", name="Lộ 471")
    stations = {
        team_a: TransformerStation.objects.create(
            feeder=feeder,
            unit=team_a,
            commune=ninh_kieu,
            code="T-NK-1",
            name="TBA Ninh Kiều 1",
            capacity_kva=400,
        ),
        team_b: TransformerStation.objects.create(
            feeder=feeder,
            unit=team_b,
            commune=phong_dien,
            code="T-PD-1",
            name="TBA Phong Điền 1",
            capacity_kva=250,
        ),
    }
    routes = {
        team: ReadingRoute.objects.create(
            unit=team, code=f"R-{team.code}", name=f"Lộ trình {team.name}", reading_day=5
        )
        for team in (team_a, team_b)
    }
    return {
        "province": province, "communes": [ninh_kieu, phong_dien], "corporation": corporation, "company": company,
        "teams": [team_a, team_b], "stations": stations, "routes": routes, "feeder": feeder,
    }  # fmt: skip


def account(
    world,
    *,
    team=None,
    name="Nguyễn Văn An",
    purpose="residential",
    households=1,
    meter_kind=Meter.Kind.ELECTRONIC,
    time_of_use=False,
    register_digits=6,
    phone="",
    email="",
):
    """An account with premise, service point, installed meter and route stop in `team` (default: first team)."""
    n = next(_seq)
    team = team or world["teams"][0]
    station = world["stations"][team]
    commune = station.commune
    customer = Customer.objects.create(name=name)
    premise = Premise.objects.create(province=world["province"], commune=commune, street=f"{n} đường 30/4")
    acct = Account.objects.create(
        code=f"PB1300{n:07d}", customer=customer, unit=team, premise=premise, purpose=purpose,
        households=households, phone=phone, email=email, start_date=dt.date(2020, 1, 1),
    )  # fmt: skip
    point = ServicePoint.objects.create(
        code=f"SP{n:08d}", account=acct, premise=premise, transformer_station=station
    )
    meter = Meter.objects.create(
        serial=f"M{n:09d}", kind=meter_kind, time_of_use=time_of_use, register_digits=register_digits
    )
    MeterInstallation.objects.create(
        meter=meter, service_point=point, account=acct, installed_on=dt.date(2020, 1, 1)
    )
    RouteAccount.objects.create(route=world["routes"][team], account=acct, sequence=n)
    return acct


def readings(acct, values, *, start=dt.date(2025, 1, 5)):
    """Monthly register readings (totals) for the account's meter, one per month from `start`."""
    meter = acct.meter_installations.get(removed_on__isnull=True).meter
    rows = []
    for i, total in enumerate(values):
        year, month = divmod(start.month - 1 + i, 12)
        rows.append(
            Reading(
                meter=meter,
                account=acct,
                read_on=start.replace(year=start.year + year, month=month + 1),
                total=total,
            )
        )
    return Reading.objects.bulk_create(rows)
