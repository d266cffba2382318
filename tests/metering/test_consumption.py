"""The one consumption rule (`metering.consumption`): pure, and as the portal reads it from the database."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.metering import consumption, selectors
from gridcare.metering.models import Meter, MeterInstallation, Reading
from tests import factories


def series_of(rows):
    """A series from (account, meter, day, id, total, rollover, digits, multiplier) tuples, in the given order."""
    cols = list(zip(*rows, strict=True)) if rows else [()] * 8
    account, meter, day, rid, total, rollover, digits, multiplier = (
        np.array(c, dtype=np.int64) for c in cols
    )
    return consumption.ReadingSeries(
        account=account, meter=meter, day=day, reading_id=rid, total=total,
        registers=np.full((len(rows), 3), -1, dtype=np.int64), rollover=rollover.astype(bool), digits=digits,
        multiplier=multiplier,
    )  # fmt: skip


# --- pure --------------------------------------------------------------------------------------------------


def test_each_reading_adds_its_meters_advance_times_the_multiplier():
    s = series_of([(1, 7, 10, 1, 100, 0, 6, 40), (1, 7, 40, 2, 130, 0, 6, 40), (1, 7, 70, 3, 175, 0, 6, 40)])
    advances = consumption.reading_advances(series=s)
    assert advances.kwh.tolist() == [0, 30 * 40, 45 * 40]
    assert advances.counted.tolist() == [False, True, True]


def test_a_rollover_adds_the_register_size():
    s = series_of([(1, 7, 10, 1, 9990, 0, 4, 1), (1, 7, 40, 2, 20, 1, 4, 1)])
    assert consumption.reading_advances(series=s).kwh.tolist() == [0, 10_000 - 9990 + 20]


def test_a_meter_exchange_counts_the_old_meter_to_its_last_reading_and_the_new_from_its_first():
    # Old meter 7: 5000 → 5100 → 5130 (removed on day 50); new meter 8 from 10 (day 50) → 210 (day 70).
    s = series_of([
        (1, 7, 10, 1, 5000, 0, 6, 1), (1, 7, 40, 2, 5100, 0, 6, 1), (1, 7, 50, 3, 5130, 0, 6, 1),
        (1, 8, 50, 4, 10, 0, 6, 1), (1, 8, 70, 5, 210, 0, 6, 1),
    ])  # fmt: skip
    used = consumption.consumption_between(
        advances=consumption.reading_advances(series=s), opening=[1], closing=[4]
    )
    assert used.kwh.tolist() == [30 + 200]


def test_a_period_counts_every_reading_between_its_opening_and_closing_ones():
    # Two readings in one month (head-end and check read): the period from the first to the last counts both steps.
    s = series_of([(1, 7, 10, 1, 100, 0, 6, 1), (1, 7, 25, 2, 160, 0, 6, 1), (1, 7, 40, 3, 250, 0, 6, 1)])
    advances = consumption.reading_advances(series=s)
    assert consumption.consumption_between(advances=advances, opening=[0], closing=[2]).kwh.tolist() == [150]


def test_registers_follow_the_same_rule_and_a_missing_one_is_said():
    s = series_of([(1, 7, 10, 1, 100, 0, 6, 2), (1, 7, 40, 2, 160, 0, 6, 2), (1, 7, 70, 3, 250, 0, 6, 2)])
    regs = np.array([[10, 60, 30], [20, 100, 40], [35, 160, 55]])
    s = consumption.ReadingSeries(**{**{k: getattr(s, k) for k in s.__dataclass_fields__}, "registers": regs})
    used = consumption.consumption_between(
        advances=consumption.reading_advances(series=s), opening=[0], closing=[2]
    )
    assert used.registers.tolist() == [[25 * 2, 100 * 2, 25 * 2]] and used.registers_known.tolist() == [True]
    regs[1] = [-1, -1, -1]
    s = consumption.ReadingSeries(**{**{k: getattr(s, k) for k in s.__dataclass_fields__}, "registers": regs})
    used = consumption.consumption_between(
        advances=consumption.reading_advances(series=s), opening=[0], closing=[2]
    )
    assert used.registers_known.tolist() == [False]


def test_months_are_periods_from_the_last_reading_before_them():
    def day(y, m, d):
        return dt.date(y, m, d).toordinal()

    s = series_of([
        (1, 7, day(2025, 1, 5), 1, 1000, 0, 6, 1), (1, 7, day(2025, 2, 5), 2, 1100, 0, 6, 1),
        (1, 7, day(2025, 3, 1), 3, 1110, 0, 6, 1), (1, 7, day(2025, 3, 28), 4, 1200, 0, 6, 1),
        (1, 7, day(2026, 3, 5), 5, 1280, 0, 6, 1),
    ])  # fmt: skip
    monthly = consumption.monthly_consumption(series=s, months=3, until=dt.date(2026, 3, 20))
    assert monthly.months == [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    # March 2026 opens at the last reading before it (28/03/2025): the 11-month gap is not lost.
    assert monthly.kwh == [None, None, 80]
    assert monthly.kwh_year_before == [None, 100, 100]


def test_no_readings_no_months():
    assert consumption.monthly_consumption(series=series_of([]), months=24).months == []


@st.composite
def account_history(draw, account=1, first_id=1):
    """Readings of one account over up to three meters in turn (exchanges), and the energy they truly measured."""
    rows, truth, day, rid = [], 0, 730_000 + draw(st.integers(0, 50)), first_id
    for meter in range(draw(st.integers(1, 3))):
        digits, multiplier = draw(st.integers(4, 6)), draw(st.sampled_from([1, 1, 2, 40]))
        modulus = 10**digits
        reading = draw(st.integers(0, modulus - 1))
        steps = draw(st.lists(st.integers(0, modulus - 1), min_size=0, max_size=6))
        meter_id = account * 10 + meter
        # A new meter's first reading may be on the exchange day, after the old meter's last one.
        day += 0 if meter and draw(st.booleans()) else draw(st.integers(1, 40))
        rows.append((account, meter_id, day, rid, reading, 0, digits, multiplier))
        rid += 1
        for step in steps:
            day += draw(st.integers(1, 70))
            rolled = reading + step >= modulus
            reading = (reading + step) % modulus
            rows.append((account, meter_id, day, rid, reading, int(rolled), digits, multiplier))
            rid += 1
            truth += step * multiplier
    return rows, truth


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_readings_split_into_any_periods_count_every_kwh_exactly_once(data):
    rows, truth = data.draw(account_history())
    n = len(rows)
    cuts = sorted(set(data.draw(st.lists(st.integers(0, n - 1), max_size=6)))) + [n - 1]
    openings = [0, *cuts[:-1]]
    s = series_of(rows)
    used = consumption.consumption_between(advances=consumption.reading_advances(series=s), opening=openings,
                                           closing=cuts)  # fmt: skip
    assert int(used.kwh.sum()) == truth
    assert (used.kwh >= 0).all()
    # Months are periods too: their figures add up to the same total.
    assert int(consumption.consumption_by_month(series=s).consumption.kwh.sum()) == truth


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_the_rule_does_not_depend_on_the_order_readings_come_in(data):
    first, truth_1 = data.draw(account_history(account=1, first_id=1))
    second, truth_2 = data.draw(account_history(account=2, first_id=100))
    rows = first + second
    shuffled = data.draw(st.permutations(rows))
    s = series_of(list(shuffled))
    s = s.take(consumption.series_order(account=s.account, day=s.day, reading_id=s.reading_id))
    assert consumption.series_is_sorted(account=s.account, day=s.day, reading_id=s.reading_id)
    months = consumption.consumption_by_month(series=s)
    by_account = {a: int(months.consumption.kwh[months.account == a].sum()) for a in (1, 2)}
    assert by_account == {1: truth_1, 2: truth_2}


# --- as read from the database --------------------------------------------------------------------------


@pytest.mark.django_db
def test_readings_show_what_each_adds_and_nothing_for_a_decrease(world):
    acct = factories.account(world, register_digits=4)
    made = factories.readings(acct, [9990, 20, 10])
    Reading.objects.filter(pk=made[1].pk).update(rollover=True)
    series, serials = selectors.account_reading_series(account=acct)
    rows = consumption.readings_with_consumption(series=series, serials=serials)
    assert [r.consumption_kwh for r in rows] == [None, 30, None]
    assert {r.meter_serial for r in rows} == {made[0].meter.serial}


@pytest.mark.django_db
def test_a_new_meter_starts_its_own_count_and_is_the_current_one(world):
    acct = factories.account(world)
    factories.readings(acct, [5000, 5100], start=dt.date(2025, 1, 5))
    old = MeterInstallation.objects.get(account=acct)
    old.removed_on = dt.date(2025, 2, 20)
    old.save()
    new_meter = Meter.objects.create(serial="NEW-1", kind=Meter.Kind.SMART)
    MeterInstallation.objects.create(
        meter=new_meter, service_point=old.service_point, account=acct, installed_on=dt.date(2025, 2, 20)
    )
    Reading.objects.bulk_create([
        Reading(meter=old.meter, account=acct, read_on=dt.date(2025, 2, 20), total=5130),
        Reading(meter=new_meter, account=acct, read_on=dt.date(2025, 2, 20), total=10),
        Reading(meter=new_meter, account=acct, read_on=dt.date(2025, 4, 5), total=210),
    ])  # fmt: skip
    series, serials = selectors.account_reading_series(account=acct)
    rows = consumption.readings_with_consumption(series=series, serials=serials)
    assert [r.consumption_kwh for r in rows] == [None, 100, 30, None, 200]
    # February: 100 (to 05/02) + 30 (the old meter's last reading); the new meter's first reading starts its count.
    monthly = consumption.monthly_consumption(series=series, months=4)
    assert monthly.kwh == [None, 130, None, 200]
    assert selectors.current_meter(account=acct, today=dt.date(2025, 4, 30)) == new_meter
    assert selectors.current_meter(account=acct, today=dt.date(2025, 2, 1)) == old.meter
