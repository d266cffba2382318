"""IEEE 1366 indices: hand-computed examples, the 5-minute limit, the month rule, and properties."""

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.outages import reliability as r

T = dt.datetime
HCM = ZoneInfo("Asia/Ho_Chi_Minh")

# 1,000 customers served. Hand-computed:
#   a  10/01 08:00–10:00  200 customers, planned   120 min sustained  → 24,000 customer minutes
#   b  15/01 14:00–14:05  300 customers            exactly 5 min      → momentary
#   c  31/01 23:00–01/02 01:30  100 customers      150 min sustained  → 15,000, counted in January
#   d  20/01 09:00–09:06   50 customers            6 min sustained    →    300
#   e  03/02 10:00–10:02  400 customers            2 min              → momentary, February
RECORDS = [
    (T(2026, 1, 10, 8, 0), T(2026, 1, 10, 10, 0), 200, True, 7),
    (T(2026, 1, 15, 14, 0), T(2026, 1, 15, 14, 5), 300, False, 7),
    (T(2026, 1, 31, 23, 0), T(2026, 2, 1, 1, 30), 100, False, 7),
    (T(2026, 1, 20, 9, 0), T(2026, 1, 20, 9, 6), 50, False, 7),
    (T(2026, 2, 3, 10, 0), T(2026, 2, 3, 10, 2), 400, False, 7),
]


def all_indices(records, *, served=1000, exclude_planned=False):
    columns = r.interruptions_from_records(records=records)
    return r.indices(
        duration_s=columns.duration_s, customers=columns.customers, customers_served=served,
        planned=columns.planned, exclude_planned=exclude_planned,
    )  # fmt: skip


def test_hand_computed_indices_over_all_records():
    result = all_indices(RECORDS)
    assert result.customers_interrupted == 350
    assert result.customer_minutes == 39_300
    assert result.momentary_interruptions == 700
    assert result.saifi == pytest.approx(0.35)
    assert result.saidi == pytest.approx(39.3)
    assert result.caidi == pytest.approx(39_300 / 350)
    assert result.maifi == pytest.approx(0.7)
    assert result.as_dict() == {
        "customers_interrupted": 350, "customer_minutes": 39_300, "SAIFI": pytest.approx(0.35),
        "SAIDI": pytest.approx(39.3), "CAIDI": pytest.approx(112.2857142857), "MAIFI": pytest.approx(0.7),
    }  # fmt: skip


def test_planned_excluded():
    result = all_indices(RECORDS, exclude_planned=True)
    assert (result.customers_interrupted, result.customer_minutes) == (150, 15_300)
    assert result.saifi == pytest.approx(0.15)
    assert result.saidi == pytest.approx(15.3)
    assert result.caidi == pytest.approx(102.0)
    assert result.maifi == pytest.approx(0.7)


def test_exactly_five_minutes_is_momentary_and_five_minutes_one_second_is_sustained():
    five = all_indices([(T(2026, 3, 1, 8, 0), T(2026, 3, 1, 8, 5), 10, False, 1)], served=100)
    assert (five.customers_interrupted, five.customer_minutes, five.maifi, five.saifi) == (0, 0, 0.1, 0)
    longer = all_indices([(T(2026, 3, 1, 8, 0), T(2026, 3, 1, 8, 5, 1), 10, False, 1)], served=100)
    assert (longer.customers_interrupted, longer.maifi) == (10, 0)
    assert longer.customer_minutes == pytest.approx(10 * 301 / 60)


def test_no_sustained_interruption_gives_caidi_none():
    result = all_indices([RECORDS[1], RECORDS[4]])
    assert result.caidi is None
    assert result.as_dict()["CAIDI"] is None
    assert (result.saifi, result.saidi) == (0, 0)
    nothing = all_indices([])
    assert (nothing.saifi, nothing.saidi, nothing.caidi, nothing.maifi) == (0, 0, None, 0)


def test_per_unit_and_month_counts_a_month_end_crossing_in_its_start_month():
    months = r.indices_per_unit_month(
        interruptions=r.interruptions_from_records(records=RECORDS), customers_served={7: 1000}
    )
    assert [(m.unit, m.year, m.month) for m in months] == [(7, 2026, 1), (7, 2026, 2)]
    january, february = months
    assert january.with_planned.customer_minutes == 24_000 + 15_000 + 300
    assert january.with_planned.saidi == pytest.approx(39.3)
    assert january.with_planned.maifi == pytest.approx(0.3)
    assert january.without_planned.saidi == pytest.approx(15.3)
    assert january.without_planned.caidi == pytest.approx(15_300 / 150)
    assert february.with_planned.saifi == 0
    assert february.with_planned.caidi is None
    assert february.with_planned.maifi == pytest.approx(0.4)


def test_aware_starts_are_placed_in_the_local_month():
    # 17:30 UTC on 31 January is 00:30 on 1 February in Ho Chi Minh City.
    start = T(2026, 1, 31, 17, 30, tzinfo=dt.UTC)
    assert r.month_key(start=start) == 2026 * 12 + 1
    assert r.month_key(start=T(2026, 1, 31, 23, 59, tzinfo=HCM)) == 2026 * 12 + 0


def test_units_are_grouped_apart_and_a_unit_without_customers_served_is_left_out():
    records = [
        (T(2026, 5, 2, 8), T(2026, 5, 2, 9), 10, False, 1),
        (T(2026, 5, 3, 8), T(2026, 5, 3, 8, 30), 40, False, 2),
        (T(2026, 5, 4, 8), T(2026, 5, 4, 9), 5, False, 3),
    ]
    months = r.indices_per_unit_month(
        interruptions=r.interruptions_from_records(records=records), customers_served={1: 100, 2: 200}
    )
    assert [(m.unit, m.with_planned.saidi) for m in months] == [(1, 6.0), (2, 6.0)]


def test_bad_records_are_refused():
    with pytest.raises(r.InvalidInterruptions):
        all_indices([(T(2026, 1, 1, 9), T(2026, 1, 1, 8), 1, False, 1)])
    with pytest.raises(r.InvalidInterruptions):
        all_indices([(T(2026, 1, 1, 8), T(2026, 1, 1, 9), -1, False, 1)])
    with pytest.raises(r.InvalidInterruptions):
        all_indices(RECORDS, served=0)


def test_notice_share_counts_five_full_days_and_unannounced_as_late():
    start = T(2026, 6, 10, 8, 0)
    assert r.notified_in_time(published_at=T(2026, 6, 5, 8, 0), start=start)
    assert not r.notified_in_time(published_at=T(2026, 6, 5, 8, 1), start=start)
    share = r.notice_share(
        published_at=[T(2026, 6, 1), T(2026, 6, 9), None, T(2026, 6, 5, 8)], start=[start] * 4
    )
    assert share == 0.5
    assert r.notice_share(published_at=[], start=[]) is None


durations = st.integers(min_value=0, max_value=3 * 86_400)
counts = st.integers(min_value=0, max_value=50_000)
records = st.lists(st.tuples(durations, counts, st.booleans()), max_size=30)


def computed(rows, served, exclude_planned=False):
    return r.indices(
        duration_s=np.array([d for d, _, _ in rows], dtype=np.int64),
        customers=np.array([c for _, c, _ in rows], dtype=np.int64),
        planned=np.array([p for _, _, p in rows], dtype=bool),
        customers_served=served, exclude_planned=exclude_planned,
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(rows=records, served=st.integers(min_value=1, max_value=10**6))
def test_saidi_is_saifi_times_caidi(rows, served):
    result = computed(rows, served)
    if result.caidi is None:
        assert result.saifi == 0 and result.saidi == 0
    else:
        assert result.saidi == pytest.approx(result.saifi * result.caidi, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    rows=records,
    served=st.integers(min_value=1, max_value=10**6),
    momentary=st.tuples(st.integers(min_value=0, max_value=300), counts, st.booleans()),
)
def test_a_momentary_interruption_never_changes_saidi_or_saifi(rows, served, momentary):
    before, after = computed(rows, served), computed([*rows, momentary], served)
    assert (after.saidi, after.saifi, after.caidi) == (before.saidi, before.saifi, before.caidi)
    assert after.maifi == pytest.approx(before.maifi + momentary[1] / served)


@settings(max_examples=200, deadline=None)
@given(rows=records, served=st.integers(min_value=1, max_value=10**6))
def test_excluding_planned_never_raises_an_index_and_changes_nothing_without_planned(rows, served):
    full, unplanned = computed(rows, served), computed(rows, served, exclude_planned=True)
    assert unplanned.saifi <= full.saifi and unplanned.saidi <= full.saidi and unplanned.maifi <= full.maifi
    if not any(p for _, _, p in rows):
        assert unplanned == full


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(durations, counts, st.booleans(), st.integers(1, 3), st.integers(0, 23)), max_size=30
    )
)
def test_unit_months_add_up_to_the_whole(rows):
    # With one denominator everywhere, the customer minutes of the groups sum to those of all records.
    base = T(2025, 1, 1)
    records_ = [
        (base + dt.timedelta(days=31 * month), base + dt.timedelta(days=31 * month, seconds=d), c, p, unit)
        for d, c, p, unit, month in rows
    ]
    columns = r.interruptions_from_records(records=records_)
    months = r.indices_per_unit_month(interruptions=columns, customers_served={1: 10, 2: 10, 3: 10})
    whole = computed([(d, c, p) for d, c, p, _, _ in rows], 10)
    assert sum(m.with_planned.customer_minutes for m in months) == pytest.approx(whole.customer_minutes)
    assert sum(m.with_planned.customers_interrupted for m in months) == whole.customers_interrupted
    assert sum(m.with_planned.momentary_interruptions for m in months) == whole.momentary_interruptions


def test_share_notified_in_time_from_days_ahead():
    assert r.share_notified_in_time(days_ahead=[7.0, 5.0, 4.99, None]) == 0.5
    assert r.share_notified_in_time(days_ahead=[]) is None
