"""The pure generator: determinism, mix and reading arithmetic, without a database."""

import datetime as dt
import hashlib

import numpy as np
import pytest

from gridcare.demo import generator, places

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def company():
    return generator.company_plan()


def _digest(pop, readings) -> str:
    h = hashlib.sha256()
    for values in (pop.code, pop.name, pop.street, pop.phone, pop.email):
        h.update("|".join(values).encode())
    for array in (pop.purpose, pop.commune, pop.meter_kind, pop.route_day, readings.total, readings.peak):
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()


def _load(seed, company, customers=300):
    pop = generator.population(seed=seed, customers=customers, today=TODAY, company=company)
    readings = generator.monthly_readings(seed=seed, chunk=0, pop=pop, index=np.arange(pop.size), today=TODAY)
    return pop, readings


def test_every_commune_of_the_csv_is_served_by_exactly_one_of_28_teams(company):
    assert len(company.team_names) == 28
    assert len(company.commune_names) == len(places.communes()) == 87
    assert sorted(set(company.commune_team.tolist())) == list(range(28))


def test_same_seed_gives_the_same_data_and_another_seed_does_not(company):
    assert _digest(*_load(11, company)) == _digest(*_load(11, company))
    assert _digest(*_load(11, company)) != _digest(*_load(12, company))


def test_mix_of_purposes_and_large_customers_for_300(company):
    pop, _ = _load(3, company)
    counts = np.bincount(pop.purpose, minlength=5).tolist()
    # 3 administrative drawn: an office and two schools, whose purpose is public service (their own price).
    assert counts == [264, 24, 9, 1, 2]
    public = np.flatnonzero(pop.purpose == generator.PUBLIC_SERVICE).tolist()
    assert [pop.name[i] for i in public] == ["Trường Tiểu học Mỹ Xuyên", "Trường THCS Khánh Hòa"]
    assert pop.large.sum() == 20
    assert (pop.purpose[pop.large] != generator.RESIDENTIAL).all()
    assert (pop.meter_kind[pop.large] == generator.SMART).all() and pop.time_of_use[pop.large].all()
    assert not pop.time_of_use[pop.purpose == generator.RESIDENTIAL].any()
    assert set(np.array(pop.voltage)[~pop.large].tolist()) == {"lt6kv"}
    assert set(np.array(pop.voltage)[pop.large].tolist()) <= {"6to22kv", "22to110kv"}
    assert set(pop.digits[~pop.large].tolist()) <= {5, 6}
    assert all(len(code) == 13 and code.startswith("PB13") for code in pop.code)
    assert len(set(pop.code)) == pop.size
    assert all(
        p == "" or p.startswith(("+843", "+847", "+848", "+849", "+845")) and len(p) == 12 for p in pop.phone
    )


def test_readings_are_monthly_on_the_route_day_and_totals_only_fall_at_a_rollover(company):
    pop, r = _load(5, company, customers=2000)
    day = pop.route_day[pop.route]
    assert (r.read_on.astype("datetime64[D]") <= np.datetime64(TODAY)).all()
    read_day = (r.read_on - r.read_on.astype("datetime64[M]").astype("datetime64[D]")).astype(int) + 1
    assert (read_day == day[:, None]).all()
    modulus = 10**pop.digits
    assert (r.total < modulus[:, None]).all() and (r.total >= 0).all()
    falls = np.diff(r.total, axis=1) < 0
    assert (falls == r.rollover[:, 1:]).all()
    assert r.rollover.any(), "some meters start close to the top of their register"
    tou = pop.time_of_use
    assert (r.peak[tou] + r.normal[tou] + r.offpeak[tou] == r.total[tou]).all()
    assert not r.rollover[tou].any()


def test_hot_season_and_tet_shape_residential_consumption(company):
    pop, r = _load(8, company, customers=3000)
    residential = np.flatnonzero(pop.purpose == generator.RESIDENTIAL)
    modulus = 10 ** pop.digits[residential]
    kwh = np.diff(r.total[residential], axis=1) % modulus[:, None]
    month = (r.read_on[residential, 1:] - np.timedelta64(15, "D")).astype("datetime64[M]").astype(
        int
    ) % 12 + 1
    by_month = {m: kwh[month == m].mean() for m in range(1, 13)}
    assert by_month[5] > 1.15 * by_month[11]
    assert by_month[5] > by_month[8] > by_month[12] * 0.95
    households = pop.households[residential]
    per_account = kwh.mean(axis=1)
    assert per_account[households == 3].mean() > per_account[households == 1].mean()


def test_interval_data_is_half_hourly_for_the_days_before_today(company):
    pop, _ = _load(9, company)
    large = np.flatnonzero(pop.large)[:5]
    data = generator.interval_energy(seed=9, chunk=0, pop=pop, index=large, today=TODAY, days=3)
    assert data.energy_wh.shape == (5, 3 * 48)
    assert (data.energy_wh >= 0).all() and data.energy_wh.sum() > 0
    # 00:00 in Can Tho on the first day is 17:00 UTC the evening before.
    assert data.start_utc[0] == np.datetime64("2026-11-21T17:00")
    assert data.start_utc[-1] == np.datetime64("2026-11-24T16:30")


def test_social_categories_are_a_small_share_of_households(company):
    pop, _ = _load(4, company, customers=5000)
    social = generator.social_assignments(seed=4, pop=pop, today=TODAY, company=company)
    households = ((pop.purpose == generator.RESIDENTIAL) & pop.person).sum()
    poor = social.category.count("poor")
    assert 0.02 * households <= poor <= 0.03 * households
    assert 1 <= social.category.count("heroic_mother") <= 10
    assert len(social.account) < 0.12 * households
    assert (pop.purpose[social.account] == generator.RESIDENTIAL).all()
