"""Pure generation of the demo company's data as numpy arrays: no database, no clock, one seed.

Everything random comes from `numpy.random.default_rng([seed, stage, chunk])`, so the same seed and the
same `today` give the same data, whatever the chunking of the writes.
"""

import datetime as dt
import functools
import math
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from gridcare.demo import places

PURPOSES = ["residential", "business", "production", "administrative", "public_service"]
RESIDENTIAL, BUSINESS, PRODUCTION, ADMINISTRATIVE, PUBLIC_SERVICE = range(5)
# The rest is residential. Public-service accounts (schools, hospitals) are the administrative ones that the
# name makes a school or a hospital: drawn as administrative, then relabelled, so that they use like them.
PURPOSE_SHARE = {BUSINESS: 0.08, PRODUCTION: 0.03, ADMINISTRATIVE: 0.01}
METER_KINDS = ["mechanical", "electronic", "smart"]
MECHANICAL, ELECTRONIC, SMART = range(3)
MONTHS = 24
ROUTE_SIZE = 500  # accounts a reader covers on one reading day
CUSTOMERS_PER_STATION = 125
PUBLIC_STATION_KVA = np.array([100, 160, 180, 250, 320, 400, 560, 630])
CUSTOMER_STATION_KVA = np.array([250, 320, 400, 560, 630, 750, 1000, 1250, 1600, 2000, 2500])
BUSINESS_TZ_OFFSET = np.timedelta64(7, "h")  # Asia/Ho_Chi_Minh has no daylight saving time
# Reading-period Tết dip by purpose: factories stop for a week or two, offices close, homes less so.
TET_DIP = np.array([0.93, 0.85, 0.62, 0.78, 0.78])
BILL_SHOCK_SHARE = (
    0.005  # homes whose latest month jumps (new air conditioner, hot weeks): bills held for review
)
BILL_SHOCK_MIN = 3
BILL_SHOCK_FACTOR = 2.5
SOCIAL_SHARES = [
    ("poor", 0.025),
    ("near_poor", 0.02),
    ("policy_family", 0.03),
    ("elderly_alone", 0.01),
    ("orphan", 0.003),
]


def large_customer_count(customers: int) -> int:
    """How many large customers (smart time-of-use meters, interval data) a demo of this size has."""
    non_residential = customers - _residential_count(customers)
    return min(non_residential, 2000, max(20, round(customers * 0.04)))


def _purpose_counts(customers: int) -> list[int]:
    others = [round(customers * PURPOSE_SHARE[p]) for p in (BUSINESS, PRODUCTION, ADMINISTRATIVE)]
    return [customers - sum(others), *others]


def _residential_count(customers: int) -> int:
    return _purpose_counts(customers)[0]


def _pick(rng: np.random.Generator, weighted: list[tuple[str, float]], size: int) -> np.ndarray:
    weights = np.array([w for _, w in weighted], dtype=float)
    return rng.choice(len(weighted), size=size, p=weights / weights.sum())


@functools.lru_cache(maxsize=100_000)
def ascii_slug(text: str) -> str:
    """`Nguyễn Văn Đạt` -> `nguyenvandat` (for demo e-mail addresses)."""
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii() and c.isalnum()).lower()


@dataclass
class Company:
    """The org and grid skeleton: communes, teams, substations, feeders, stations, routes."""

    commune_names: list[str]
    commune_kinds: list[str]
    commune_team: np.ndarray
    team_names: list[str]
    team_substation: np.ndarray


@dataclass
class Population:
    """One row per account (and customer, premise, service point, meter), in id order."""

    size: int
    commune: np.ndarray
    team: np.ndarray
    purpose: np.ndarray
    large: np.ndarray
    households: np.ndarray
    person: np.ndarray
    name: list[str]
    tax_code: list[str]
    street: list[str]
    phone: list[str]
    email: list[str]
    zalo: list[str]
    language: list[str]
    start_date: np.ndarray
    voltage: list[str]
    meter_kind: np.ndarray
    time_of_use: np.ndarray
    digits: np.ndarray
    manufacturer: list[str]
    base_kwh: np.ndarray
    season_amplitude: np.ndarray
    peak_share: np.ndarray
    offpeak_share: np.ndarray
    code: list[str]
    route: np.ndarray
    route_sequence: np.ndarray
    station: np.ndarray
    installed_on: np.ndarray
    # Reading routes (one row per route).
    route_team: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    route_number: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    route_day: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    # Transformer stations (one row per station).
    station_commune: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    station_number: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    station_kva: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    station_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, int))  # account index or -1
    station_feeder: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    # Feeders (one row per feeder).
    feeder_team: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    feeder_number: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    # Accounts whose latest monthly consumption jumps, so that the latest bill run holds their bills.
    bill_shock: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))


def company_plan() -> Company:
    """The fixed structure of the demo company (same for every seed)."""
    rows = places.communes()
    names = [name for name, _ in rows]
    index = {name: i for i, name in enumerate(names)}
    commune_team = np.full(len(names), -1)
    for t, (_, _, served) in enumerate(places.TEAMS):
        for name in served:
            if commune_team[index[name]] != -1:
                raise ValueError(f"commune {name} is served by two teams")
            commune_team[index[name]] = t
    if (commune_team < 0).any():
        missing = [names[i] for i in np.flatnonzero(commune_team < 0)]
        raise ValueError(f"communes without a team: {missing}")
    return Company(
        commune_names=names,
        commune_kinds=[kind for _, kind in rows],
        commune_team=commune_team,
        team_names=[name for name, _, _ in places.TEAMS],
        team_substation=np.array([s for _, s, _ in places.TEAMS]),
    )


def _month_start(months: np.ndarray) -> np.ndarray:
    """datetime64[D] of the first day of absolute month numbers (year * 12 + month - 1)."""
    return (months - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")


def reading_dates(*, today: dt.date, reading_day: np.ndarray) -> np.ndarray:
    """The (n, 25) reading dates: the start of the first period, then the 24 monthly readings up to today."""
    this_month = today.year * 12 + today.month - 1
    last = this_month - (today.day < reading_day).astype(int)
    months = last[:, None] - MONTHS + np.arange(MONTHS + 1)[None, :]
    return _month_start(months) + (reading_day[:, None] - 1).astype("timedelta64[D]")


def population(*, seed: int, customers: int, today: dt.date, company: Company) -> Population:
    """Every account of the demo, drawn from `seed`."""
    n = customers
    rng = np.random.default_rng([seed, 1])
    n_communes = len(company.commune_names)
    is_ward = np.array([k == "ward" for k in company.commune_kinds])
    weights = np.where(is_ward, 2.5, 1.0) * rng.lognormal(0.0, 0.35, n_communes)
    commune = rng.choice(n_communes, size=n, p=weights / weights.sum())
    team_of = company.commune_team
    commune = commune[np.lexsort((commune, team_of[commune]))]
    team = team_of[commune]

    purpose = rng.permutation(np.repeat(np.arange(4), _purpose_counts(n)))
    non_res = np.flatnonzero(purpose != RESIDENTIAL)
    n_large = large_customer_count(n)
    large_weight = np.array([0.0, 1.0, 3.0, 1.5])[purpose[non_res]]
    large = np.zeros(n, bool)
    large[rng.choice(non_res, size=n_large, replace=False, p=large_weight / large_weight.sum())] = True

    households = np.where(purpose == RESIDENTIAL, rng.choice([1, 2, 3], size=n, p=[0.9, 0.07, 0.03]), 1)
    draw = rng.random(n)
    person = (
        (purpose == RESIDENTIAL)
        | ((purpose == BUSINESS) & (draw < 0.6) & ~large)
        | ((purpose == PRODUCTION) & (draw < 0.15) & ~large)
    )

    name, public_service = _names(
        rng, n, person=person, purpose=purpose, large=large, commune=commune, company=company
    )
    purpose = np.where(public_service, PUBLIC_SERVICE, purpose)
    region = np.where(
        team < 10, 18, np.where(team < 17, 63, 22)
    )  # tax office prefixes: Can Tho, Hau Giang, Soc Trang
    tax_digits = rng.integers(0, 10**8, n)
    tax_code = [
        "" if p else f"{r}{d:08d}"
        for p, r, d in zip(person.tolist(), region.tolist(), tax_digits.tolist(), strict=True)
    ]

    house = rng.integers(1, 400, n)
    street_pick = rng.integers(0, len(places.STREETS), n)
    hamlet_pick = rng.integers(0, len(places.HAMLETS), n)
    ward_of = is_ward[commune]
    street = [
        f"{h} đường {places.STREETS[s]}" if w else f"Số {h}, ấp {places.HAMLETS[a]}"
        for h, s, a, w in zip(
            house.tolist(), street_pick.tolist(), hamlet_pick.tolist(), ward_of.tolist(), strict=True
        )
    ]

    has_phone = (rng.random(n) < 0.88) | large
    prefix = rng.integers(0, len(places.PHONE_PREFIXES), n)
    number = rng.integers(0, 10**7, n)
    phone = [
        f"+84{places.PHONE_PREFIXES[p]}{x:07d}" if ok else ""
        for ok, p, x in zip(has_phone.tolist(), prefix.tolist(), number.tolist(), strict=True)
    ]
    email_share = np.where(large, 1.0, np.where(purpose == RESIDENTIAL, 0.12, 0.6))
    has_email = rng.random(n) < email_share
    email_number = rng.integers(1, 1000, n)
    domain = rng.integers(0, len(places.EMAIL_DOMAINS), n)
    email = [""] * n
    for i in np.flatnonzero(has_email).tolist():
        email[i] = f"{ascii_slug(name[i])[:40]}{email_number[i]}@{places.EMAIL_DOMAINS[domain[i]]}"
    has_zalo = rng.random(n) < np.where(purpose == RESIDENTIAL, 0.3, 0.4)
    zalo_id = rng.integers(10**17, 9 * 10**17, n)
    zalo = [str(z) if ok else "" for ok, z in zip(has_zalo.tolist(), zalo_id.tolist(), strict=True)]
    language = np.array(["vi", "en", "fr"])[rng.choice(3, size=n, p=[0.97, 0.02, 0.01])].tolist()

    today64 = np.datetime64(today, "D")
    start_date = today64 - rng.integers(800, 25 * 365, n).astype("timedelta64[D]")

    voltage_draw = rng.random(n)
    voltage = np.where(
        large,
        np.where((purpose == PRODUCTION) == (voltage_draw < 0.7), "22to110kv", "6to22kv"),
        "lt6kv",
    ).tolist()

    tou = (
        large
        | ((purpose == PRODUCTION) & (rng.random(n) < 0.7))
        | ((purpose == BUSINESS) & (rng.random(n) < 0.25))
    )
    meter_kind = np.where(
        large,
        SMART,
        np.where(tou, rng.choice([ELECTRONIC, SMART], size=n), rng.choice(3, size=n, p=[0.15, 0.45, 0.40])),
    )
    digits = np.where(large, 7, np.where((meter_kind == MECHANICAL) & (rng.random(n) < 0.6), 5, 6))
    manufacturer_pick = rng.integers(0, 4, n)
    by_kind = [
        ["EMIC", "Vinasino", "Hữu Hồng", "EMIC"],
        ["EMIC", "Gelex", "Vinasino", "Hữu Hồng"],
        ["EMIC", "Gelex", "Landis+Gyr", "Elster"],
    ]
    manufacturer = [
        by_kind[k][m] for k, m in zip(meter_kind.tolist(), manufacturer_pick.tolist(), strict=True)
    ]

    median = np.where(
        large,
        np.array([0, 25_000, 60_000, 20_000, 20_000])[purpose],
        np.array([170, 700, 2_500, 900, 900])[purpose],
    )
    sigma = np.where(large, 0.55, np.array([0.55, 0.8, 0.8, 0.6, 0.6])[purpose])
    base_kwh = median * np.exp(sigma * rng.standard_normal(n))
    base_kwh = np.where(purpose == RESIDENTIAL, base_kwh * households**0.85, base_kwh)
    base_kwh = np.clip(
        base_kwh, 5.0, 10.0**digits / 100
    )  # never more than one turn of the register in 24 months
    low, high = np.array([0.4, 0.6, 0.1, 0.8, 0.8])[purpose], np.array([1.6, 1.4, 0.6, 1.4, 1.4])[purpose]
    season_amplitude = rng.uniform(low, high)
    peak_share = rng.uniform(0.16, 0.26, n)
    offpeak_share = np.where(purpose == PRODUCTION, rng.uniform(0.28, 0.45, n), rng.uniform(0.15, 0.25, n))

    # Customer codes and reading routes, per team, in account order.
    code = [""] * n
    route = np.zeros(n, int)
    route_sequence = np.zeros(n, int)
    route_team, route_number = [], []
    for t in range(len(company.team_names)):
        members = np.flatnonzero(team == t)
        for pos, i in enumerate(members.tolist()):
            code[i] = f"{places.CUSTOMER_CODE_PREFIX}{t + 1:02d}{pos + 1:07d}"
        n_routes = max(1, math.ceil(len(members) / ROUTE_SIZE))
        per_route = max(1, math.ceil(len(members) / n_routes))
        position = np.arange(len(members))
        route[members] = len(route_team) + position // per_route
        route_sequence[members] = position % per_route + 1
        route_team.extend([t] * n_routes)
        route_number.extend(range(1, n_routes + 1))
    route_day = rng.integers(1, 29, len(route_team))

    first_period_start = reading_dates(today=today, reading_day=route_day)[:, 0][route]
    years_back = rng.integers(0, 8 * 365, n).astype("timedelta64[D]")
    installed_on = np.minimum(np.maximum(start_date, first_period_start - years_back), first_period_start)

    station, station_commune, station_number, station_kva, station_owner = _stations(
        rng, commune=commune, large=large, base_kwh=base_kwh, is_ward=is_ward, n_communes=n_communes
    )
    station_team = team_of[station_commune]
    feeder_team, feeder_number, station_feeder = [], [], np.zeros(len(station_commune), int)
    per_substation = np.zeros(len(places.SUBSTATIONS), int)
    for t in range(len(company.team_names)):
        members = np.flatnonzero(station_team == t)
        n_feeders = max(2, math.ceil(len(members) / 30))
        s = company.team_substation[t]
        station_feeder[members] = len(feeder_team) + rng.integers(0, n_feeders, len(members))
        feeder_team.extend([t] * n_feeders)
        feeder_number.extend((per_substation[s] + np.arange(n_feeders)).tolist())
        per_substation[s] += n_feeders

    # The accounts whose last reading falls in the demo's latest billed month: this month's routes read so far, or,
    # before the first route of the month is read (the 1st, say), every account (read last month).
    read_this_month = route_day[route] <= today.day
    bill_shock = _bill_shock(seed=seed, purpose=purpose, read_this_month=read_this_month if read_this_month.any() else
                             np.ones(n, bool))  # fmt: skip

    return Population(
        size=n, commune=commune, team=team, purpose=purpose, large=large, households=households, person=person,
        name=name, tax_code=tax_code, street=street, phone=phone, email=email, zalo=zalo, language=language,
        start_date=start_date, voltage=voltage, meter_kind=meter_kind, time_of_use=tou, digits=digits,
        manufacturer=manufacturer, base_kwh=base_kwh, season_amplitude=season_amplitude, peak_share=peak_share,
        offpeak_share=offpeak_share, code=code, route=route, route_sequence=route_sequence, station=station,
        installed_on=installed_on, route_team=np.array(route_team), route_number=np.array(route_number),
        route_day=route_day, station_commune=station_commune, station_number=station_number,
        station_kva=station_kva, station_owner=station_owner, station_feeder=station_feeder,
        feeder_team=np.array(feeder_team), feeder_number=np.array(feeder_number), bill_shock=bill_shock,
    )  # fmt: skip


def _bill_shock(*, seed: int, purpose: np.ndarray, read_this_month: np.ndarray) -> np.ndarray:
    """A few homes read in the latest month whose latest period jumps: the demo's review queue is never empty.

    Drawn from a stream of its own, so that adding them changed no other account's data.
    """
    candidates = np.flatnonzero((purpose == RESIDENTIAL) & read_this_month)
    count = min(len(candidates), max(BILL_SHOCK_MIN, round(len(purpose) * BILL_SHOCK_SHARE)))
    shock = np.zeros(len(purpose), bool)
    shock[np.random.default_rng([seed, 7]).choice(candidates, size=count, replace=False)] = True
    return shock


def _stations(rng, *, commune, large, base_kwh, is_ward, n_communes):
    """Public transformer stations per commune (~125 customers each) and one customer-owned per large account."""
    n = len(commune)
    station = np.zeros(n, int)
    s_commune, s_number, s_kva, s_owner = [], [], [], []
    for c in range(n_communes):
        members = np.flatnonzero((commune == c) & ~large)
        count = max(1, math.ceil(len(members) / CUSTOMERS_PER_STATION))
        per_station = max(1, math.ceil(len(members) / count))
        station[members] = len(s_commune) + np.arange(len(members)) // per_station
        kva_p = (
            [0.05, 0.15, 0.1, 0.3, 0.15, 0.15, 0.05, 0.05]
            if is_ward[c]
            else [0.2, 0.3, 0.15, 0.25, 0.05, 0.05, 0, 0]
        )
        s_kva.extend(rng.choice(PUBLIC_STATION_KVA, size=count, p=kva_p).tolist())
        s_commune.extend([c] * count)
        s_number.extend(range(1, count + 1))
        s_owner.extend([-1] * count)
    owners = np.flatnonzero(large)
    station[owners] = len(s_commune) + np.arange(len(owners))
    # Size for the monthly energy at a 45% load factor and power factor 0.9, to the next standard rating.
    needed_kva = base_kwh[owners] / (730 * 0.45 * 0.9)
    pick = np.minimum(np.searchsorted(CUSTOMER_STATION_KVA, needed_kva), len(CUSTOMER_STATION_KVA) - 1)
    s_kva.extend(CUSTOMER_STATION_KVA[pick].tolist())
    s_commune.extend(commune[owners].tolist())
    s_number.extend([0] * len(owners))
    s_owner.extend(owners.tolist())
    return station, np.array(s_commune), np.array(s_number), np.array(s_kva), np.array(s_owner)


def _names(rng, n, *, person, purpose, large, commune, company) -> tuple[list[str], np.ndarray]:
    """Names, and which administrative accounts the name makes a school or a hospital (public service)."""
    female = rng.random(n) < 0.5
    family = _pick(rng, places.FAMILY_NAMES, n)
    male_middle = _pick(rng, places.MALE_MIDDLE, n)
    female_middle = _pick(rng, places.FEMALE_MIDDLE, n)
    given = rng.integers(0, 10_000, n)
    org_kind = rng.integers(0, 10_000, n)
    brand = rng.integers(0, len(places.BRANDS), n)
    form = rng.choice(len(places.COMPANY_FORMS), size=n, p=[0.45, 0.25, 0.15, 0.15])
    kind_words = {"ward": "phường", "commune": "xã", "special_zone": "đặc khu"}
    names = []
    public_service = np.zeros(n, bool)
    for i in range(n):
        if person[i]:
            if female[i]:
                middle = places.FEMALE_MIDDLE[female_middle[i]][0]
                first = places.FEMALE_GIVEN[given[i] % len(places.FEMALE_GIVEN)]
            else:
                middle = places.MALE_MIDDLE[male_middle[i]][0]
                first = places.MALE_GIVEN[given[i] % len(places.MALE_GIVEN)]
            names.append(f"{places.FAMILY_NAMES[family[i]][0]} {middle} {first}")
            continue
        c = commune[i]
        place = company.commune_names[c]
        if purpose[i] == ADMINISTRATIVE:
            kinds = places.LARGE_ADMINISTRATIVE_KINDS if large[i] else places.ADMINISTRATIVE_KINDS
            kind = kinds[org_kind[i] % len(kinds)]
            names.append(kind.format(kind=kind_words[company.commune_kinds[c]], name=place))
            public_service[i] = kind in places.PUBLIC_SERVICE_KINDS
        elif purpose[i] == PRODUCTION:
            what = places.PRODUCTION_KINDS[org_kind[i] % len(places.PRODUCTION_KINDS)]
            names.append(f"{places.COMPANY_FORMS[form[i]]} {what} {places.BRANDS[brand[i]]}")
        else:
            what = places.BUSINESS_KINDS[org_kind[i] % len(places.BUSINESS_KINDS)]
            names.append(f"{places.COMPANY_FORMS[form[i]]} {what} {places.BRANDS[brand[i]]}")
    return names, public_service


@dataclass
class Readings:
    """Monthly register readings of a slice of accounts, shape (n, 24) each."""

    read_on: np.ndarray
    total: np.ndarray
    peak: np.ndarray
    normal: np.ndarray
    offpeak: np.ndarray
    rollover: np.ndarray
    source: np.ndarray


def monthly_readings(
    *, seed: int, chunk: int, pop: Population, index: np.ndarray, today: dt.date
) -> Readings:
    """24 cumulative monthly register readings for the accounts `index`, with seasonality and the Tết dip."""
    rng = np.random.default_rng([seed, 2, chunk])
    n = len(index)
    purpose = pop.purpose[index]
    dates = reading_dates(today=today, reading_day=pop.route_day[pop.route[index]])
    days = (dates[:, 1:] - dates[:, :-1]).astype(int)
    mid_month = (dates[:, 1:] - np.timedelta64(15, "D")).astype("datetime64[M]").astype(int) % 12
    season = np.array(places.SEASON_BY_MONTH)[mid_month]
    tet = np.array(places.TET_DAYS, dtype="datetime64[D]")
    tet_count = np.searchsorted(tet, dates, side="right")
    has_tet = tet_count[:, 1:] > tet_count[:, :-1]
    years_ago = (np.datetime64(today, "D") - dates[:, 1:]).astype(int) / 365.0
    noise_sigma = np.where(purpose == RESIDENTIAL, 0.15, 0.1)[:, None]
    kwh = (
        pop.base_kwh[index][:, None]
        * (1 + pop.season_amplitude[index][:, None] * (season - 1))
        * np.where(has_tet, TET_DIP[purpose][:, None], 1.0)
        * (days / 30.4)
        * (1 - 0.04 * years_ago)  # demand grows about 4% a year
        * np.exp(noise_sigma * rng.standard_normal((n, MONTHS)))
    )
    kwh = np.maximum(np.rint(kwh), 0).astype(np.int64)
    shock = pop.bill_shock[index]
    kwh[shock, -1] = np.rint(kwh[shock, -1] * BILL_SHOCK_FACTOR).astype(np.int64)

    modulus = (10 ** pop.digits[index]).astype(np.int64)
    tou = pop.time_of_use[index]
    sums = kwh.sum(axis=1)
    # Time-of-use registers never turn over in the window (each register would turn on its own); the
    # others start anywhere, so those close to the top roll over, as real meters do.
    room = np.where(tou, modulus - sums - 1, modulus)
    start = np.floor(rng.random(n) * room).astype(np.int64)
    cumulative = start[:, None] + np.cumsum(kwh, axis=1)
    turns = cumulative // modulus[:, None]
    previous_turns = np.concatenate([np.zeros((n, 1), np.int64), turns[:, :-1]], axis=1)

    peak_share = pop.peak_share[index][:, None] * rng.uniform(0.9, 1.1, (n, MONTHS))
    offpeak_share = pop.offpeak_share[index][:, None] * rng.uniform(0.9, 1.1, (n, MONTHS))
    peak_kwh = np.rint(kwh * peak_share).astype(np.int64)
    offpeak_kwh = np.minimum(np.rint(kwh * offpeak_share).astype(np.int64), kwh - peak_kwh)
    normal_kwh = kwh - peak_kwh - offpeak_kwh
    peak0 = np.floor(start * pop.peak_share[index]).astype(np.int64)
    offpeak0 = np.floor(start * pop.offpeak_share[index]).astype(np.int64)
    normal0 = start - peak0 - offpeak0

    kind = pop.meter_kind[index]
    source = np.where(kind == SMART, "head_end", np.where(kind == MECHANICAL, "manual", "import"))
    source = np.broadcast_to(source[:, None], (n, MONTHS)).copy()
    source[(rng.random((n, MONTHS)) < 0.004) & (kind != SMART)[:, None]] = "estimated"
    return Readings(
        read_on=dates[:, 1:],
        total=cumulative % modulus[:, None],
        peak=peak0[:, None] + np.cumsum(peak_kwh, axis=1),
        normal=normal0[:, None] + np.cumsum(normal_kwh, axis=1),
        offpeak=offpeak0[:, None] + np.cumsum(offpeak_kwh, axis=1),
        rollover=turns > previous_turns,
        source=source,
    )


def _profile(pieces: list[tuple[int, int, float]]) -> np.ndarray:
    """A 48-slot daily load shape from (start hour, end hour, level) pieces, normalised to mean 1."""
    shape = np.zeros(48)
    for start, end, level in pieces:
        shape[start * 2 : end * 2] = level
    return shape / shape.mean()


DAILY_PROFILE = np.array([
    _profile([(0, 24, 1.0)]),  # residential (not used: households have no interval data here)
    _profile([(0, 7, 0.35), (7, 9, 0.8), (9, 21, 1.4), (21, 24, 0.7)]),
    _profile([(0, 6, 0.45), (6, 22, 1.25), (22, 24, 0.45)]),
    _profile([(0, 7, 0.2), (7, 11, 1.6), (11, 13, 1.1), (13, 17, 1.6), (17, 24, 0.25)]),
    _profile([(0, 7, 0.2), (7, 11, 1.6), (11, 13, 1.1), (13, 17, 1.6), (17, 24, 0.25)]),  # as administrative
])  # fmt: skip
# Day-of-week factor (Monday = 0) by purpose, and the Tết holiday factor.
WEEKDAY_FACTOR = np.array([
    [1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1.05, 1.05],
    [1, 1, 1, 1, 1, 0.95, 0.7],
    [1, 1, 1, 1, 1, 0.5, 0.3],
    [1, 1, 1, 1, 1, 0.5, 0.3],
])  # fmt: skip
TET_HOLIDAY_FACTOR = np.array([1.0, 0.6, 0.2, 0.15, 0.15])


@dataclass
class Intervals:
    """30-minute energy of a slice of large accounts: (accounts, days * 48) arrays."""

    start_utc: np.ndarray  # datetime64[m], same for every account
    energy_wh: np.ndarray


def interval_energy(
    *, seed: int, chunk: int, pop: Population, index: np.ndarray, today: dt.date, days: int
) -> Intervals:
    """Half-hourly energy of the `days` days before `today` for the large accounts `index`."""
    rng = np.random.default_rng([seed, 3, chunk])
    n = len(index)
    purpose = pop.purpose[index]
    day = np.datetime64(today, "D") - days + np.arange(days)
    weekday = (day.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    month = day.astype("datetime64[M]").astype(int) % 12
    tet = np.array(places.TET_DAYS, dtype="datetime64[D]")
    near_tet = ((day[:, None] - tet[None, :]).astype(int) >= -3) & (
        (day[:, None] - tet[None, :]).astype(int) <= 5
    )
    holiday = near_tet.any(axis=1)
    season = np.array(places.SEASON_BY_MONTH)[month]
    daily_kwh = (
        pop.base_kwh[index][:, None]
        / 30.4
        * (1 + pop.season_amplitude[index][:, None] * (season[None, :] - 1))
        * WEEKDAY_FACTOR[purpose][:, weekday]
        * np.where(holiday[None, :], TET_HOLIDAY_FACTOR[purpose][:, None], 1.0)
    )
    shape = DAILY_PROFILE[purpose]  # (n, 48)
    wh = (
        daily_kwh[:, :, None]
        * shape[:, None, :]
        / 48
        * 1000
        * np.exp(0.12 * rng.standard_normal((n, days, 48)))
    )
    local_start = day.astype("datetime64[m]")[:, None] + np.arange(48) * np.timedelta64(30, "m")
    return Intervals(
        start_utc=(local_start - BUSINESS_TZ_OFFSET).reshape(-1),
        energy_wh=np.maximum(np.rint(wh), 0).astype(np.int64).reshape(n, days * 48),
    )


@dataclass
class SocialAssignments:
    account: np.ndarray
    category: list[str]
    active_from: np.ndarray
    active_to: np.ndarray  # NaT = open
    evidence: list[str]


def social_assignments(*, seed: int, pop: Population, today: dt.date, company: Company) -> SocialAssignments:
    """A realistic small share of households in social categories (and a few Heroic Mothers)."""
    rng = np.random.default_rng([seed, 4])
    households = np.flatnonzero((pop.purpose == RESIDENTIAL) & pop.person)
    shuffled = rng.permutation(households)
    picks: list[tuple[str, np.ndarray]] = []
    used = 0
    for category, share in SOCIAL_SHARES:
        count = round(len(households) * share)
        picks.append((category, shuffled[used : used + count]))
        used += count
    # Vietnamese Heroic Mothers still living are few: a couple per demo, a few dozen at most.
    picks.append(("heroic_mother", shuffled[used : used + min(50, max(2, round(len(households) * 0.0002)))]))

    year_start = np.datetime64(f"{today.year}-01-01", "D")
    next_year = np.datetime64(f"{today.year + 1}-01-01", "D")
    account, category, active_from, active_to, evidence = [], [], [], [], []
    kinds = {"ward": "phường", "commune": "xã", "special_zone": "đặc khu"}
    for cat, members in picks:
        for i in sorted(members.tolist()):
            c = pop.commune[i]
            place = f"UBND {kinds[company.commune_kinds[c]]} {company.commune_names[c]}"
            number = int(rng.integers(1, 999))
            if cat in ("poor", "near_poor"):
                # Poor and near-poor lists are approved every year.
                start, end = year_start, next_year
                proof = f"Quyết định số {number}/QĐ-UBND ngày 15/01/{today.year} của {place}"
            else:
                start = np.datetime64(today, "D") - int(rng.integers(365, 15 * 365))
                end = np.datetime64("NaT")
                proof = f"Giấy chứng nhận số {number}/GCN, xác nhận của {place}"
            account.append(i)
            category.append(cat)
            active_from.append(start)
            active_to.append(end)
            evidence.append(proof)
    return SocialAssignments(
        account=np.array(account, dtype=int),
        category=category,
        active_from=np.array(active_from, dtype="datetime64[D]"),
        active_to=np.array(active_to, dtype="datetime64[D]"),
        evidence=evidence,
    )
