"""Writes of the demo utility: load a whole demo company, and make sure the demo logins exist."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Min
from django_otp.plugins.otp_totp.models import TOTPDevice

from gridcare.billing.models import Bill
from gridcare.billing.services import bill_run_create, bill_run_execute
from gridcare.core.models import User
from gridcare.core.text import fold
from gridcare.customers.models import Account, Customer, Premise, ServicePoint, SocialCategoryAssignment
from gridcare.demo import generator, places, selectors
from gridcare.demo.generator import PURPOSES
from gridcare.demo.writer import (
    Nullable,
    constraints_deferred,
    insert_columns,
    next_id,
    sequences_reset,
    statistics_refresh,
)
from gridcare.metering.models import (
    IntervalReading,
    Meter,
    MeterInstallation,
    Reading,
    ReadingRoute,
    RouteAccount,
)
from gridcare.network.models import Feeder, Substation, TransformerStation
from gridcare.org.models import Commune, Province, StaffRole, Unit
from gridcare.org.services import staff_membership_set, unit_create

READING_CHUNK = 20_000  # accounts per batch of monthly readings (480,000 rows)
INTERVAL_CHUNK = 100  # large accounts per batch of interval data
STAFF_PASSWORD = "CanTho@2025"  # noqa: S105 - a demo, printed by demo-welcome
CUSTOMER_PASSWORD = "KhachHang@2025"  # noqa: S105
# Fixed TOTP secrets (20 bytes each, hex) so that a person can add them to an authenticator app once.
STAFF = [
    # username, superuser, role (None: no membership), TOTP secret. The catalogue role belongs to the
    # corporation (the national tariffs, VAT, time-of-use hours, units, message templates); the others to the
    # company's first team.
    ("admin", True, None, b"gridcare-demo-admin1".hex()),
    ("vanhanh.ninhkieu", False, StaffRole.OPERATOR, b"gridcare-demo-staff1".hex()),
    ("danhmuc.tongcongty", False, StaffRole.CATALOGUE, b"gridcare-demo-catal1".hex()),
]
MANUFACTURER_PREFIX = {
    "EMIC": "EM",
    "Gelex": "GE",
    "Vinasino": "VS",
    "Hữu Hồng": "HH",
    "Landis+Gyr": "LG",
    "Elster": "EL",
}

# The tables that receive one or more rows per customer.
BULK_MODELS = [
    Customer, Premise, Account, ServicePoint, Meter, MeterInstallation, RouteAccount, Reading, IntervalReading,
    SocialCategoryAssignment,
]  # fmt: skip

Progress = Callable[[str, int], None]


class DemoAlreadyLoaded(Exception):
    """The demo company is already in this database."""


class DemoNotLoaded(Exception):
    """There is no demo company in this database."""


@dataclass
class DemoSummary:
    customers: int
    teams: int
    transformer_stations: int
    reading_routes: int
    readings: int
    interval_readings: int
    social_assignments: int


def _noop(stage: str, rows: int) -> None:
    return None


@transaction.atomic
def demo_data_load(
    *, customers: int, seed: int, today: dt.date, interval_days: int = 60, progress: Progress | None = None
) -> DemoSummary:
    """Build the demo power company, its grid, `customers` accounts and their readings, all from `seed`."""
    if customers < 1:
        raise ValueError("customers must be at least 1")
    progress = progress or _noop
    if Unit.objects.filter(code=places.COMPANY_CODE).exists():
        raise DemoAlreadyLoaded(places.COMPANY_CODE)
    company = generator.company_plan()
    pop = generator.population(seed=seed, customers=customers, today=today, company=company)
    progress("plan", pop.size)

    province, _ = Province.objects.get_or_create(
        code=places.PROVINCE_CODE, defaults={"name": places.PROVINCE_NAME}
    )
    existing = {c.name: c for c in Commune.objects.filter(province=province)}
    commune_ids = []
    for i, (name, kind) in enumerate(zip(company.commune_names, company.commune_kinds, strict=True)):
        commune = existing.get(name) or Commune.objects.create(
            province=province, code=f"{places.PROVINCE_CODE}.{i + 1:03d}", name=name, kind=kind
        )
        commune_ids.append(commune.pk)
    commune_ids = np.array(commune_ids)
    corporation = Unit.objects.filter(code=places.CORPORATION_CODE).first() or unit_create(
        kind=Unit.Kind.CORPORATION, code=places.CORPORATION_CODE, name=places.CORPORATION_NAME
    )
    company_unit = unit_create(
        kind=Unit.Kind.COMPANY, code=places.COMPANY_CODE, name=places.COMPANY_NAME, parent=corporation,
        customer_code_prefix=places.CUSTOMER_CODE_PREFIX,
    )  # fmt: skip
    teams = [
        unit_create(kind=Unit.Kind.TEAM, code=f"{places.COMPANY_CODE}-{t + 1:02d}", name=f"Đội Quản lý điện {name}",
                    parent=company_unit)
        for t, name in enumerate(company.team_names)
    ]  # fmt: skip
    team_ids = np.array([t.pk for t in teams])
    Unit.communes.through.objects.bulk_create(
        Unit.communes.through(unit_id=team_ids[company.commune_team[c]], commune_id=commune_ids[c])
        for c in range(len(commune_ids))
    )
    progress("org: units", 2 + len(teams))

    station_ids = _grid(
        pop=pop, company=company, company_unit=company_unit, team_ids=team_ids, commune_ids=commune_ids,
        progress=progress,
    )  # fmt: skip
    with constraints_deferred(BULK_MODELS):
        ids = _accounts(
            pop=pop, province=province, team_ids=team_ids, commune_ids=commune_ids, station_ids=station_ids,
            progress=progress,
        )  # fmt: skip
        readings = _monthly_readings(pop=pop, ids=ids, seed=seed, today=today, progress=progress)
        intervals = _interval_readings(
            pop=pop, ids=ids, seed=seed, today=today, days=interval_days, progress=progress
        )
        social = generator.social_assignments(seed=seed, pop=pop, today=today, company=company)
        insert_columns(
            model=SocialCategoryAssignment,
            columns={
                "id": next_id(SocialCategoryAssignment) + np.arange(len(social.account)),
                "customer": ids["customer"][social.account],
                "category": social.category,
                "active_from": social.active_from,
                "active_to": Nullable(social.active_to, ~np.isnat(social.active_to)),
                "evidence": social.evidence,
            },
        )
        progress("social categories", len(social.account))
    sequences_reset(
        [Province, Commune, Unit, Substation, Feeder, TransformerStation, Customer, Premise, Account, ServicePoint,
         Meter, MeterInstallation, ReadingRoute, RouteAccount, Reading, IntervalReading, SocialCategoryAssignment]
    )  # fmt: skip
    statistics_refresh([Unit, Customer, Account, ServicePoint, Meter, MeterInstallation, Reading])
    demo_logins_ensure()
    progress("logins", len(STAFF) + 2)
    return DemoSummary(
        customers=pop.size, teams=len(teams), transformer_stations=len(pop.station_commune),
        reading_routes=len(pop.route_team), readings=readings, interval_readings=intervals,
        social_assignments=len(social.account),
    )  # fmt: skip


def _grid(*, pop, company, company_unit, team_ids, commune_ids, progress: Progress) -> np.ndarray:
    substation_ids = next_id(Substation) + np.arange(len(places.SUBSTATIONS))
    insert_columns(
        model=Substation,
        columns={
            "id": substation_ids, "unit": company_unit.pk, "code": [c for c, _ in places.SUBSTATIONS],
            "name": [n for _, n in places.SUBSTATIONS], "voltage_kv": 110,
        },
    )  # fmt: skip
    substation_of_feeder = company.team_substation[pop.feeder_team]
    feeder_ids = next_id(Feeder) + np.arange(len(pop.feeder_team))
    short = [n.removeprefix("Trạm 110 kV ") for _, n in places.SUBSTATIONS]
    insert_columns(
        model=Feeder,
        columns={
            "id": feeder_ids,
            "substation": substation_ids[substation_of_feeder],
            "unit": team_ids[pop.feeder_team],
            "code": [f"{places.SUBSTATIONS[s][0]}/{471 + k}" for s, k in zip(substation_of_feeder.tolist(), pop.feeder_number.tolist(), strict=True)],
            "name": [f"Lộ {471 + k} {short[s]}" for s, k in zip(substation_of_feeder.tolist(), pop.feeder_number.tolist(), strict=True)],
            "voltage_kv": 22,
        },
    )  # fmt: skip
    owned = pop.station_owner >= 0
    code, name = [], []
    for c, k, owner in zip(
        pop.station_commune.tolist(), pop.station_number.tolist(), pop.station_owner.tolist(), strict=True
    ):
        if owner >= 0:
            code.append(f"KH-{pop.code[owner]}")
            name.append(f"TBA {pop.name[owner]}"[:200])
        else:
            code.append(f"T{c + 1:03d}-{k:03d}")
            name.append(f"TBA {company.commune_names[c]} {k}")
    pop_station_ids = next_id(TransformerStation) + np.arange(len(pop.station_commune))
    insert_columns(
        model=TransformerStation,
        columns={
            "id": pop_station_ids, "feeder": feeder_ids[pop.station_feeder],
            "unit": team_ids[company.commune_team[pop.station_commune]], "commune": commune_ids[pop.station_commune],
            "code": code, "name": name, "capacity_kva": pop.station_kva, "customer_owned": owned,
        },
    )  # fmt: skip
    progress(
        "grid: substations, feeders, stations", len(substation_ids) + len(feeder_ids) + len(pop_station_ids)
    )
    return pop_station_ids


def _accounts(
    *, pop, province, team_ids, commune_ids, station_ids, progress: Progress
) -> dict[str, np.ndarray]:
    n = pop.size
    ids = {
        "customer": next_id(Customer) + np.arange(n),
        "premise": next_id(Premise) + np.arange(n),
        "account": next_id(Account) + np.arange(n),
        "service_point": next_id(ServicePoint) + np.arange(n),
        "meter": next_id(Meter) + np.arange(n),
    }
    created_at = pop.start_date.astype("datetime64[m]") + np.timedelta64(60, "m")  # 08:00 in Can Tho
    insert_columns(
        model=Customer,
        columns={
            "id": ids["customer"], "kind": np.where(pop.person, "person", "organisation"), "name": pop.name,
            "search_name": [fold(name) for name in pop.name], "tax_code": pop.tax_code, "user": None, "created_at": created_at,
        },
    )  # fmt: skip
    insert_columns(
        model=Premise,
        columns={
            "id": ids["premise"],
            "province": province.pk,
            "commune": commune_ids[pop.commune],
            "street": pop.street,
            "search_street": [fold(street) for street in pop.street],
        },
    )
    insert_columns(
        model=Account,
        columns={
            "id": ids["account"], "code": pop.code, "customer": ids["customer"], "unit": team_ids[pop.team],
            "premise": ids["premise"], "purpose": np.array(PURPOSES)[pop.purpose], "voltage": pop.voltage,
            "households": pop.households, "status": Account.Status.ACTIVE.value, "phone": pop.phone,
            "email": pop.email, "zalo_user_id": pop.zalo, "preferred_language": pop.language,
            "start_date": pop.start_date,
        },
    )  # fmt: skip
    insert_columns(
        model=ServicePoint,
        columns={
            "id": ids["service_point"], "code": [f"{c}001" for c in pop.code], "account": ids["account"],
            "premise": ids["premise"], "transformer_station": station_ids[pop.station],
        },
    )  # fmt: skip
    progress("customers, premises, accounts, service points", n)
    insert_columns(
        model=Meter,
        columns={
            "id": ids["meter"],
            "serial": [f"{MANUFACTURER_PREFIX[m]}{i:09d}" for m, i in zip(pop.manufacturer, ids["meter"].tolist(), strict=True)],
            "kind": np.array(generator.METER_KINDS)[pop.meter_kind], "time_of_use": pop.time_of_use,
            "register_digits": pop.digits, "multiplier": 1, "manufacturer": pop.manufacturer,
        },
    )  # fmt: skip
    insert_columns(
        model=MeterInstallation,
        columns={
            "id": next_id(MeterInstallation) + np.arange(n), "meter": ids["meter"],
            "service_point": ids["service_point"], "account": ids["account"], "installed_on": pop.installed_on,
            "removed_on": None, "initial_total": 0,
        },
    )  # fmt: skip
    progress("meters, installations", n)
    route_ids = next_id(ReadingRoute) + np.arange(len(pop.route_team))
    insert_columns(
        model=ReadingRoute,
        columns={
            "id": route_ids, "unit": team_ids[pop.route_team],
            "code": [f"{places.CUSTOMER_CODE_PREFIX}{t + 1:02d}-LT{k:03d}" for t, k in zip(pop.route_team.tolist(), pop.route_number.tolist(), strict=True)],
            "name": [f"Lộ trình {k:02d} — Đội Quản lý điện {places.TEAMS[t][0]}" for t, k in zip(pop.route_team.tolist(), pop.route_number.tolist(), strict=True)],
            "reading_day": pop.route_day,
        },
    )  # fmt: skip
    insert_columns(
        model=RouteAccount,
        columns={
            "id": next_id(RouteAccount) + np.arange(n), "route": route_ids[pop.route], "account": ids["account"],
            "sequence": pop.route_sequence,
        },
    )  # fmt: skip
    progress("reading routes, route stops", len(route_ids) + n)
    return ids


def _monthly_readings(*, pop, ids, seed: int, today: dt.date, progress: Progress) -> int:
    first_id = next_id(Reading)
    written = 0
    for chunk, start in enumerate(range(0, pop.size, READING_CHUNK)):
        index = np.arange(start, min(pop.size, start + READING_CHUNK))
        r = generator.monthly_readings(seed=seed, chunk=chunk, pop=pop, index=index, today=today)
        rows = r.total.size
        tou = np.repeat(pop.time_of_use[index], generator.MONTHS)
        written += insert_columns(
            model=Reading,
            columns={
                "id": first_id + written + np.arange(rows),
                "meter": np.repeat(ids["meter"][index], generator.MONTHS),
                "account": np.repeat(ids["account"][index], generator.MONTHS),
                "read_on": r.read_on.reshape(-1), "total": r.total.reshape(-1),
                "peak": Nullable(r.peak.reshape(-1), tou), "normal": Nullable(r.normal.reshape(-1), tou),
                "offpeak": Nullable(r.offpeak.reshape(-1), tou), "rollover": r.rollover.reshape(-1),
                "source": r.source.reshape(-1), "reading_import": None,
            },
            chunk_size=200_000,
        )  # fmt: skip
        progress("monthly readings", written)
    return written


def _interval_readings(*, pop, ids, seed: int, today: dt.date, days: int, progress: Progress) -> int:
    large = np.flatnonzero(pop.large)
    if days <= 0 or not len(large):
        return 0
    first_id = next_id(IntervalReading)
    written = 0
    for chunk, start in enumerate(range(0, len(large), INTERVAL_CHUNK)):
        index = large[start : start + INTERVAL_CHUNK]
        r = generator.interval_energy(seed=seed, chunk=chunk, pop=pop, index=index, today=today, days=days)
        per_meter = r.energy_wh.shape[1]
        rows = r.energy_wh.size
        written += insert_columns(
            model=IntervalReading,
            columns={
                "id": first_id + written + np.arange(rows),
                "meter": np.repeat(ids["meter"][index], per_meter),
                "start": np.tile(r.start_utc, len(index)),
                "energy_wh": r.energy_wh.reshape(-1),
                "reading_import": None,
            },
            chunk_size=200_000,
        )
        progress("interval readings (30 min)", written)
    return written


@dataclass
class DemoLogin:
    """A demo sign-in: staff (with a TOTP device) or a customer (with an account code)."""

    username: str
    password: str
    user: User
    totp_device: TOTPDevice | None = None
    account: Account | None = None


@transaction.atomic
def demo_logins_ensure() -> dict[str, DemoLogin]:
    """Create the demo staff (with TOTP devices) and the two demo customer logins, if they are missing."""
    team = Unit.objects.filter(code=f"{places.COMPANY_CODE}-01").first()
    accounts = selectors.demo_login_accounts()
    if team is None or None in accounts.values():
        raise DemoNotLoaded(places.COMPANY_CODE)
    logins: dict[str, DemoLogin] = {}
    for username, superuser, role, secret in STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"is_staff": True, "is_superuser": superuser, "email": f"{username}@example.com"},
        )
        if created:
            user.set_password(STAFF_PASSWORD)
            user.save(update_fields=["password"])
        if role is not None:
            unit = Unit.objects.get(code=places.CORPORATION_CODE) if role == StaffRole.CATALOGUE else team
            staff_membership_set(user=user, unit=unit, role=role)
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="demo", defaults={"key": secret, "confirmed": True}
        )
        logins[username] = DemoLogin(
            username=username, password=STAFF_PASSWORD, user=user, totp_device=device
        )
    for label, account in accounts.items():
        customer = account.customer
        if customer.user_id is None:
            user = User(username=account.code, email=account.email)
            user.set_password(CUSTOMER_PASSWORD)
            user.save()
            customer.user = user
            customer.save(update_fields=["user"])
        logins[label] = DemoLogin(
            username=account.code, password=CUSTOMER_PASSWORD, user=customer.user, account=account
        )
    return logins


def latest_billed_month(*, today: dt.date) -> dt.date:
    """This month once one of its routes has been read (reading day <= today), else last month.

    On the 1st, before any route of the month is read, a run for the month would bill nobody.
    """
    first_day = ReadingRoute.objects.aggregate(first=Min("reading_day"))["first"]
    this_month = today.replace(day=1)
    if first_day is None or first_day <= today.day:
        return this_month
    return (this_month - dt.timedelta(days=1)).replace(day=1)


def demo_bills_load(
    *, today: dt.date, months: int = 12, now: dt.datetime, progress: Progress | None = None
) -> int:
    """Bill the demo's last `months` months with real bill runs; past bills held for review count as reviewed.

    The latest month keeps its held bills (staff see the review queue) and queues "bill ready" notices;
    the history is billed without notifying anyone. Returns the number of bills.
    """
    progress = progress or _noop
    latest = latest_billed_month(today=today)
    created = 0
    for back in range(months - 1, -1, -1):
        year, month = divmod(latest.month - 1 - back, 12)
        period = dt.date(latest.year + year, month + 1, 1)
        # The demo's readings go back further than its bills: the first run is a cutover from a previous system
        # that billed up to the reading before it (first bills do not span the whole reading history).
        run = bill_run_create(period=period, route=None, now=now, cutover=back == months - 1)
        run = bill_run_execute(run=run, now=now, notify_customers=back == 0)
        if back:
            Bill.objects.filter(run=run, status=Bill.Status.HELD).update(
                status=Bill.Status.ISSUED, issued_at=now
            )
        created += run.bills_created
        progress(f"bills {period:%m/%Y}", run.bills_created)
    return created
