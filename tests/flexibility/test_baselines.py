"""The baseline engine: hand-computed examples for each rule, and properties over random loads.

Calendar used by the examples: 2026-05-25 and 2026-06-01, -08, -15 are Mondays; 2026-06-13 is a Saturday.
Intervals are 30 minutes: interval k covers k/2 hours after midnight (28 = 14:00–14:30).
"""

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridcare.flexibility import baselines as b
from tests.flexibility.naive import naive_baseline

FIRST = dt.date(2026, 5, 25)
DAYS = [FIRST + dt.timedelta(days=i) for i in range(22)]  # 2026-05-25 (Mon) … 2026-06-15 (Mon)
MONDAY = dt.date(2026, 6, 15)
SATURDAY = dt.date(2026, 6, 13)


def june(day: int) -> dt.date:
    return dt.date(2026, 6, day)


def flat(levels: dict[dt.date, float], *, default: float = 50.0, days=DAYS) -> np.ndarray:
    """One participant whose every day is flat at its level (kWh per interval): 1 × days × 48."""
    return np.array([[[levels.get(day, default)] * 48 for day in days]], dtype=float)


def weekdays_before(event: dt.date, days=DAYS) -> list[dt.date]:
    return [d for d in days if d < event and d.weekday() < 5]


def result_days(result, participant: int = 0, days=DAYS) -> list[dt.date]:
    return [days[i] for i in result.selected_days(participant)]


def window(start: str, end: str) -> b.Window:
    return b.window_at(start=dt.time.fromisoformat(start), end=dt.time.fromisoformat(end))


# --- windows ------------------------------------------------------------------------------------------


def test_window_at_counts_half_hours_from_midnight():
    assert window("14:00", "16:30") == (28, 33)
    assert window("22:00", "00:00") == (44, 48)  # an end of 00:00 is midnight
    assert window("22:00", "02:00") == (44, 52)  # an earlier end is on the next day


@pytest.mark.parametrize(
    ("start", "end", "code"), [("14:15", "16:00", "window_not_aligned"), ("16:00", "16:00", "window_empty")]
)
def test_window_at_refuses_odd_times(start, end, code):
    with pytest.raises(b.BaselineError) as error:
        window(start, end)
    assert error.value.code == code


# --- hand-computed examples, one per preset ------------------------------------------------------------


def test_caiso_10_in_10_averages_the_ten_latest_weekdays_and_caps_the_ratio():
    # Weekdays before Monday 15 June, most recent first: 12 11 10 9 8 | 5 4 3 2 1 | 29 28 27 26 25 (May).
    # 3 June was an earlier event day: excluded, so the ten are 12 11 10 9 8 5 4 2 1 and 29 May.
    # Levels: 12 June 4.0, 29 May 3.0, the other eight 2.0 → mean (8×2 + 4 + 3) / 10 = 2.3 kWh per interval.
    # Weekends (50) and 28 May (100) are not collected. Adjustment: ratio of 10:00–13:00 of the event day to
    # the baseline's 2.3 over those hours, capped at ±20 %.
    levels = dict.fromkeys(weekdays_before(MONDAY), 2.0) | {
        june(12): 4.0,
        dt.date(2026, 5, 29): 3.0,
        dt.date(2026, 5, 28): 100.0,
    }
    levels[june(3)] = 100.0
    loads = np.concatenate([
        flat(levels | {MONDAY: 2.53}),  # 2.53 / 2.3 = 1.1 → baseline 2.3 × 1.1 = 2.53
        flat(levels | {MONDAY: 4.6}),  # 4.6 / 2.3 = 2.0, capped at 1.2 → 2.76
    ])  # fmt: skip
    result = b.baseline(
        loads=loads, days=DAYS, event_day=MONDAY, window=window("14:00", "16:00"),
        params=b.PRESETS["caiso-10-in-10"], excluded_dates=[june(3)],
    )  # fmt: skip
    ten = [
        dt.date(2026, 5, 29),
        june(1),
        june(2),
        june(4),
        june(5),
        june(8),
        june(9),
        june(10),
        june(11),
        june(12),
    ]
    assert result_days(result, 0) == ten and result_days(result, 1) == ten
    assert result.unadjusted_kwh == pytest.approx(np.full((2, 4), 2.3))
    assert result.adjustment == pytest.approx([1.1, 1.2])
    assert result.baseline_kwh[0] == pytest.approx([2.53] * 4)
    assert result.baseline_kwh[1] == pytest.approx([2.76] * 4)


def test_caiso_a_day_with_a_missing_interval_is_replaced_by_the_next_older_one():
    # As above, but one interval of 12 June (4.0) is missing: 28 May (100) comes in as the tenth day.
    # Mean = (8×2 + 3 + 100) / 10 = 11.9; event morning 2.53 / 11.9 = 0.21 → capped at 0.8 → 9.52.
    levels = dict.fromkeys(weekdays_before(MONDAY), 2.0) | {
        june(12): 4.0,
        dt.date(2026, 5, 29): 3.0,
        dt.date(2026, 5, 28): 100.0,
    }
    levels[june(3)] = 100.0
    loads = flat(levels | {MONDAY: 2.53})
    loads[0, DAYS.index(june(12)), 5] = np.nan
    result = b.baseline(
        loads=loads, days=DAYS, event_day=MONDAY, window=window("14:00", "16:00"),
        params=b.PRESETS["caiso-10-in-10"], excluded_dates=[june(3)],
    )  # fmt: skip
    assert june(12) not in result_days(result) and dt.date(2026, 5, 28) in result_days(result)
    assert result.unadjusted_kwh[0] == pytest.approx([11.9] * 4)
    assert result.adjustment[0] == pytest.approx(0.8)
    assert result.baseline_kwh[0] == pytest.approx([9.52] * 4)


def test_caiso_weekend_event_uses_four_weekend_days_and_needs_two():
    # Saturday 13 June: weekend days before it, most recent first: 7 (Sun) 6 (Sat) 31 May (Sun) 30 May (Sat).
    # Levels 1, 2, 3, 6 → mean 3.0; event morning 3.0 → ratio 1.0. Weekdays (9.0) are not used.
    levels = {june(7): 1.0, june(6): 2.0, dt.date(2026, 5, 31): 3.0, dt.date(2026, 5, 30): 6.0, SATURDAY: 3.0}
    result = b.baseline(
        loads=flat(levels, default=9.0), days=DAYS, event_day=SATURDAY, window=window("18:00", "20:00"),
        params=b.PRESETS["caiso-10-in-10"],
    )  # fmt: skip
    assert result_days(result) == [dt.date(2026, 5, 30), dt.date(2026, 5, 31), june(6), june(7)]
    assert result.baseline_kwh[0] == pytest.approx([3.0] * 4)
    assert result.adjustment[0] == pytest.approx(1.0)
    # Only one weekend day collected (the others are outage days of this participant): fewer than 2 → none.
    excluded = np.zeros((1, len(DAYS)), dtype=bool)
    excluded[0, [DAYS.index(june(6)), DAYS.index(dt.date(2026, 5, 31)), DAYS.index(dt.date(2026, 5, 30))]] = (
        True
    )
    none = b.baseline(
        loads=flat(levels, default=9.0), days=DAYS, event_day=SATURDAY, window=window("18:00", "20:00"),
        params=b.PRESETS["caiso-10-in-10"], excluded=excluded,
    )  # fmt: skip
    assert not none.has_baseline[0] and np.isnan(none.baseline_kwh).all() and np.isnan(none.adjustment[0])
    assert none.selected.sum() == 0


def test_pjm_high_4_of_5_drops_the_lowest_day_and_breaks_ties_by_recency():
    # Five latest weekdays before Monday 15 June: 12 (1.0) 11 (3.0) 10 (4.0) 9 (5.0) 8 (1.0).
    # Highest four: 9, 10, 11 and, of the two at 1.0, the more recent 12 June → mean (5+4+3+1)/4 = 3.25.
    # Symmetric additive adjustment: event day 10:00–13:00 at 3.0 → 3.0 − 3.25 = −0.25 → baseline 3.0.
    levels = {june(12): 1.0, june(11): 3.0, june(10): 4.0, june(9): 5.0, june(8): 1.0, MONDAY: 3.0}
    result = b.baseline(
        loads=flat(levels),
        days=DAYS,
        event_day=MONDAY,
        window=window("14:00", "16:00"),
        params=b.PRESETS["pjm-4-of-5"],
    )
    assert result_days(result) == [june(9), june(10), june(11), june(12)]
    assert result.unadjusted_kwh[0] == pytest.approx([3.25] * 4)
    assert result.adjustment[0] == pytest.approx(-0.25)
    assert result.baseline_kwh[0] == pytest.approx([3.0] * 4)


def test_pjm_a_holiday_is_not_a_weekday():
    # 10 June declared a holiday: the five weekdays become 12 11 9 8 5 (5 June at 50.0, the default).
    # Highest four: 5 June (50), 9 (5), 11 (3), and 12 June (1.0, more recent than 8 June's 1.0)
    # → (50+5+3+1)/4 = 14.75; event morning 3.0 → −11.75 → 3.0.
    levels = {june(12): 1.0, june(11): 3.0, june(10): 4.0, june(9): 5.0, june(8): 1.0, MONDAY: 3.0}
    result = b.baseline(
        loads=flat(levels), days=DAYS, event_day=MONDAY, window=window("14:00", "16:00"), params=b.PRESETS["pjm-4-of-5"],
        holidays=[june(10)],
    )  # fmt: skip
    assert result_days(result) == [june(5), june(9), june(11), june(12)]
    assert result.unadjusted_kwh[0] == pytest.approx([14.75] * 4)
    assert result.baseline_kwh[0] == pytest.approx([3.0] * 4)


def test_pjm_saturday_high_2_of_3_saturdays():
    # PJM matches Saturdays with Saturdays. Saturday 13 June: the Saturdays before it in the data are 6 June (3.0)
    # and 30 May (9.0) (23 May is before the first day) → both kept → 6.0; the Sundays 7 June (1.0) and 31 May
    # (5.0) are not used. Event morning 4.5 → 4.5 − 6.0 = −1.5 → 4.5.
    levels = {june(7): 1.0, june(6): 3.0, dt.date(2026, 5, 31): 5.0, dt.date(2026, 5, 30): 9.0, SATURDAY: 4.5}
    result = b.baseline(
        loads=flat(levels),
        days=DAYS,
        event_day=SATURDAY,
        window=window("17:00", "19:00"),
        params=b.PRESETS["pjm-4-of-5"],
    )
    assert result_days(result) == [dt.date(2026, 5, 30), june(6)]
    assert result.unadjusted_kwh[0] == pytest.approx([6.0] * 4)
    assert result.adjustment[0] == pytest.approx(-1.5)
    assert result.baseline_kwh[0] == pytest.approx([4.5] * 4)


def test_pjm_sunday_matches_sundays_and_holidays_not_saturdays():
    # Sunday 14 June with 10 June a holiday: Sundays/holidays most recent first 10 June (4.0), 7 June (1.0),
    # 31 May (5.0) → top two 5.0 and 4.0 → 4.5; Saturday 13 June (9.0) and 6 June (9.0) are another kind.
    # Event morning 4.5 → adjustment 0.
    sunday = june(14)
    levels = {
        june(13): 9.0,
        june(10): 4.0,
        june(7): 1.0,
        june(6): 9.0,
        dt.date(2026, 5, 31): 5.0,
        sunday: 4.5,
    }
    result = b.baseline(
        loads=flat(levels), days=DAYS, event_day=sunday, window=window("17:00", "19:00"), params=b.PRESETS["pjm-4-of-5"],
        holidays=[june(10)],
    )  # fmt: skip
    assert result_days(result) == [dt.date(2026, 5, 31), june(10)]
    assert result.baseline_kwh[0] == pytest.approx([4.5] * 4)
    # The same data with weekend days of one kind (the parameter's default): 13 June (9.0) and 10 June (4.0)
    # and 7 June are the three latest; top two 9.0 and 4.0 → 6.5 before the adjustment.
    two_kinds = dataclasses.replace(b.PRESETS["pjm-4-of-5"].weekend_holiday, day_kinds="weekday-weekend")
    result = b.baseline(
        loads=flat(levels),
        days=DAYS,
        event_day=sunday,
        window=window("17:00", "19:00"),
        params=two_kinds,
        holidays=[june(10)],
    )
    assert result_days(result) == [june(10), june(13)]
    assert result.unadjusted_kwh[0] == pytest.approx([6.5] * 4)


OVERNIGHT = b.BaselineParams(y_days=3, x_days=2, max_lookback_days=10, day_type="all", adjustment="none")
THROUGH_13_JUNE = [d for d in DAYS if d <= june(13)]


def test_an_event_past_midnight_matches_each_day_with_the_next_morning():
    # Event Friday 12 June 22:00 → Saturday 02:00. Each candidate day is its evening with the next morning:
    # 11 June: 4×6 + 4×3 (12 June) = 36; 10 June: 4×2 + 4×6 = 32; 9 June: 4×1 + 4×2 = 12 → top two 11 and 10 June.
    # Baseline: 22:00–24:00 the mean of the evenings (6 + 2)/2 = 4.0; 00:00–02:00 of the mornings (3 + 6)/2 = 4.5.
    levels = {june(9): 1.0, june(10): 2.0, june(11): 6.0, june(12): 3.0, june(13): 1.0}
    loads = flat(levels, days=THROUGH_13_JUNE)
    overnight = window("22:00", "02:00")
    result = b.baseline(
        loads=loads, days=THROUGH_13_JUNE, event_day=june(12), window=overnight, params=OVERNIGHT
    )
    assert result_days(result, days=THROUGH_13_JUNE) == [june(10), june(11)]
    assert result.baseline_kwh[0] == pytest.approx([4.0] * 4 + [4.5] * 4)
    # Delivered: actual 3.0 on 12 June's evening, 1.0 on 13 June's morning → 1.0 and 3.5 per interval, 18 in all.
    delivery = b.delivered(
        loads=loads, days=THROUGH_13_JUNE, event_day=june(12), window=overnight, result=result
    )
    assert delivery.reduction_kwh[0] == pytest.approx([1.0] * 4 + [3.5] * 4)
    assert delivery.reduction_total_kwh[0] == pytest.approx(18.0)


def test_an_event_past_midnight_needs_both_days_of_a_matching_day_complete():
    # A missing interval on 12 June at 03:00 makes 11 June (whose morning-after is 12 June) unusable: the three
    # collected are 10, 9 and 8 June (8 June at 50.0: 4×50 + 4×1 = 204) → top two 8 and 10 June.
    # 22:00–24:00: (50 + 2)/2 = 26.0; 00:00–02:00: the mornings of 9 and 11 June (1 + 6)/2 = 3.5.
    levels = {june(9): 1.0, june(10): 2.0, june(11): 6.0, june(12): 3.0, june(13): 1.0}
    loads = flat(levels, days=THROUGH_13_JUNE)
    loads[0, THROUGH_13_JUNE.index(june(12)), 6] = np.nan
    result = b.baseline(
        loads=loads,
        days=THROUGH_13_JUNE,
        event_day=june(12),
        window=window("22:00", "02:00"),
        params=OVERNIGHT,
    )
    assert result_days(result, days=THROUGH_13_JUNE) == [june(8), june(10)]
    assert result.baseline_kwh[0] == pytest.approx([26.0] * 4 + [3.5] * 4)


def test_an_event_past_midnight_without_the_next_day_is_named():
    loads = flat({}, days=THROUGH_13_JUNE)
    result = b.baseline(
        loads=loads,
        days=THROUGH_13_JUNE,
        event_day=june(12),
        window=window("22:00", "02:00"),
        params=OVERNIGHT,
    )
    with pytest.raises(b.BaselineError) as error:
        b.delivered(
            loads=loads[:, :-1],
            days=THROUGH_13_JUNE[:-1],
            event_day=june(12),
            window=window("22:00", "02:00"),
            result=result,
        )
    assert error.value.code == "event_day_missing"


def test_nyiso_5_of_10_drops_low_usage_days_and_adjusts_from_two_hours_four_hours_before():
    # Ten latest weekdays before 15 June: 12 11 10 9 8 5 4 3 2 1 at 10 1 2 8 6 7 5 9 3 4 kWh per interval.
    # Highest 10; below 25 % of it (2.5): 11 June (1) and 10 June (2) are dropped. Highest five of the rest:
    # 12 (10), 3 (9), 9 (8), 5 (7), 8 (6) → mean 8.0. Event 16:00–18:00; adjustment hours 12:00–14:00: the
    # event day is at 8.0 there except 8.8 from 12:00 to 14:00 → ratio 1.1 → 8.8. (29 May, the 11th, is 99.)
    levels = dict(
        zip(
            [june(d) for d in (12, 11, 10, 9, 8, 5, 4, 3, 2, 1)],
            [10.0, 1.0, 2.0, 8.0, 6.0, 7.0, 5.0, 9.0, 3.0, 4.0],
            strict=True,
        )
    )
    loads = flat(levels | {dt.date(2026, 5, 29): 99.0, MONDAY: 8.0})
    loads[0, DAYS.index(MONDAY), 24:28] = 8.8
    result = b.baseline(
        loads=loads,
        days=DAYS,
        event_day=MONDAY,
        window=window("16:00", "18:00"),
        params=b.PRESETS["nyiso-5-of-10"],
    )
    assert result_days(result) == [june(3), june(5), june(8), june(9), june(12)]
    assert result.unadjusted_kwh[0] == pytest.approx([8.0] * 4)
    assert result.adjustment[0] == pytest.approx(1.1)
    assert result.baseline_kwh[0] == pytest.approx([8.8] * 4)


def test_miso_10_uses_weekdays_even_for_a_weekend_event_and_has_no_adjustment():
    # Saturday 13 June, day type "weekday": the ten latest weekdays 12 11 10 9 8 5 4 3 2 1, each 1.0 except
    # 1 June at 11.0 → (9 + 11) / 10 = 2.0. Weekend days (default 50) are not used; no adjustment.
    levels = dict.fromkeys(weekdays_before(SATURDAY), 1.0) | {june(1): 11.0}
    result = b.baseline(
        loads=flat(levels),
        days=DAYS,
        event_day=SATURDAY,
        window=window("18:00", "19:00"),
        params=b.PRESETS["miso-10"],
    )
    assert result_days(result) == [june(d) for d in (1, 2, 3, 4, 5, 8, 9, 10, 11, 12)]
    assert result.baseline_kwh[0] == pytest.approx([2.0, 2.0])
    assert np.isnan(result.adjustment[0])


def test_pjm_same_day_averages_three_hours_before_and_two_after_skipping_an_hour_each_side():
    # Event 14:00–16:00. Before: 10:00–13:00 (intervals 20–25) at 2.0; skipped 13:00–14:00 at 40;
    # after: 17:00–19:00 (intervals 34–37) at 4.5; skipped 16:00–17:00 at 40.
    # Baseline = (6 × 2.0 + 4 × 4.5) / 10 = 3.0 in every event interval.
    loads = flat({MONDAY: 40.0})
    loads[0, DAYS.index(MONDAY), 20:26] = 2.0
    loads[0, DAYS.index(MONDAY), 34:38] = 4.5
    result = b.baseline(
        loads=loads,
        days=DAYS,
        event_day=MONDAY,
        window=window("14:00", "16:00"),
        params=b.PRESETS["same-day"],
    )
    assert result.baseline_kwh[0] == pytest.approx([3.0] * 4)
    assert result_days(result) == [MONDAY] and np.isnan(result.adjustment[0])


def test_meter_before_is_the_interval_just_before_the_event():
    loads = flat({MONDAY: 40.0})
    loads[0, DAYS.index(MONDAY), 27] = 7.5  # 13:30–14:00
    result = b.baseline(
        loads=loads,
        days=DAYS,
        event_day=MONDAY,
        window=window("14:00", "15:00"),
        params=b.PRESETS["meter-before"],
    )
    assert result.baseline_kwh[0] == pytest.approx([7.5, 7.5])
    loads[0, DAYS.index(MONDAY), 27] = np.nan  # missing: no baseline
    assert not b.baseline(
        loads=loads, days=DAYS, event_day=MONDAY, window=(28, 30), params=b.PRESETS["meter-before"]
    ).has_baseline[0]


def test_a_participant_short_of_days_reaches_further_back_than_the_others():
    # 2 of 2, all days, 20 days back. The engine reads the latest y + 4 = 6 days for everyone first.
    # Participant 0 has a gap on each of the latest 6 days (9–14 June): its days are 8 June (level 3.0) and
    # 7 June (5.0) → 4.0. Participant 1 is complete: 14 June (1.0) and 13 June (2.0) → 1.5.
    loads = np.concatenate([flat({june(8): 3.0, june(7): 5.0}), flat({june(14): 1.0, june(13): 2.0})])
    for day in range(9, 15):
        loads[0, DAYS.index(june(day)), 40] = np.nan
    params = b.BaselineParams(y_days=2, x_days=2, max_lookback_days=20, day_type="all")
    result = b.baseline(loads=loads, days=DAYS, event_day=MONDAY, window=(30, 34), params=params)
    assert result_days(result, 0) == [june(7), june(8)] and result_days(result, 1) == [june(13), june(14)]
    assert result.baseline_kwh == pytest.approx(np.array([[4.0] * 4, [1.5] * 4]))


def test_additive_down_adjustment_never_makes_the_baseline_negative():
    # Baseline days at 1.0 in the window and 5.0 elsewhere; the event morning at 0 → additive −5.0 (no cap)
    # → 1.0 − 5.0 = −4.0, shown as 0.
    loads = flat({}, default=5.0)
    loads[0, :, 28:32] = 1.0
    loads[0, DAYS.index(MONDAY), :] = 0.0
    params = b.BaselineParams(y_days=5, x_days=5, adjustment="additive", cap=None)
    result = b.baseline(loads=loads, days=DAYS, event_day=MONDAY, window=(28, 32), params=params)
    assert result.adjustment[0] == pytest.approx(-5.0)
    assert (result.baseline_kwh[0] == 0.0).all()


def test_up_only_and_down_only():
    # Baseline 2.0; event morning 3.0: additive +1.0 with up-only, 0 with down-only; ratio 1.5 and 1.0.
    loads = flat({MONDAY: 3.0}, default=2.0)
    for adjustment, direction, expected in [
        ("additive", "up-only", 1.0),
        ("additive", "down-only", 0.0),
        ("ratio", "up-only", 1.5),
        ("ratio", "down-only", 1.0),
    ]:
        params = b.BaselineParams(y_days=3, x_days=3, adjustment=adjustment, direction=direction)
        assert b.baseline(
            loads=loads, days=DAYS, event_day=MONDAY, window=(28, 32), params=params
        ).adjustment[0] == pytest.approx(expected)


def test_delivered_reduction_and_shift_into_offpeak_hours():
    # Baseline days (the five weekdays 8–12 June) at 2.0 everywhere → baseline 2.0; the event day uses 0.5 in
    # the event window (14:00–16:00) and 3.0 in the off-peak hours (00:00–04:00, 8 intervals), 2.0 elsewhere.
    # Reduction 1.5 per interval, 6.0 in all; off-peak 8 × 3.0 = 24 against 8 × 2.0 = 16 → shifted 8.0 kWh.
    loads = flat({}, default=2.0)
    loads[0, DAYS.index(MONDAY), 28:32] = 0.5
    loads[0, DAYS.index(MONDAY), 0:8] = 3.0
    params = b.BaselineParams(y_days=5, x_days=5)
    result = b.baseline(loads=loads, days=DAYS, event_day=MONDAY, window=(28, 32), params=params)
    offpeak = np.zeros(48, dtype=bool)
    offpeak[0:8] = True
    delivery = b.delivered(
        loads=loads, days=DAYS, event_day=MONDAY, window=(28, 32), result=result, offpeak=offpeak
    )
    assert delivery.reduction_kwh[0] == pytest.approx([1.5] * 4)
    assert delivery.reduction_total_kwh[0] == pytest.approx(6.0)
    assert delivery.offpeak_baseline_kwh[0] == pytest.approx(16.0)
    assert delivery.shifted_kwh[0] == pytest.approx(8.0)


def test_bad_parameters_and_inputs_are_named():
    loads = flat({})
    with pytest.raises(b.BaselineError) as error:
        b.baseline(
            loads=loads, days=DAYS, event_day=MONDAY, window=(28, 32), params=b.BaselineParams(x_days=0)
        )
    assert error.value.code == "bad_parameter" and error.value.details["parameter"] == "x_days"
    with pytest.raises(b.BaselineError) as error:  # adjustment hours before midnight
        b.baseline(
            loads=loads, days=DAYS, event_day=MONDAY, window=(2, 4), params=b.PRESETS["caiso-10-in-10"]
        )
    assert error.value.code == "window_outside_day"
    with pytest.raises(b.BaselineError) as error:  # the event day's readings are needed for the adjustment
        b.baseline(
            loads=loads[:, :-1],
            days=DAYS[:-1],
            event_day=MONDAY,
            window=(28, 32),
            params=b.PRESETS["caiso-10-in-10"],
        )
    assert error.value.code == "event_day_missing"
    with pytest.raises(b.BaselineError) as error:
        b.baseline(
            loads=loads, days=DAYS[::-1], event_day=MONDAY, window=(28, 32), params=b.PRESETS["x-of-y"]
        )
    assert error.value.code == "days_not_ascending"


def test_vietnam_holidays_include_tet():
    holidays = b.vietnam_holidays(first_year=2026, last_year=2026)
    assert dt.date(2026, 2, 17) in holidays  # Tết Nguyên Đán 2026 (first day of the lunar year)
    assert dt.date(2026, 9, 2) in holidays  # National Day


# --- properties ---------------------------------------------------------------------------------------

N_DAYS = 20
PROPERTY_DAYS = [
    dt.date(2026, 3, 2) + dt.timedelta(days=i) for i in range(N_DAYS)
]  # 2 March 2026 is a Monday
PROPERTY_EVENT = PROPERTY_DAYS[-1]


@st.composite
def rules(draw):
    method = draw(st.sampled_from(b.METHODS))
    hours = st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0])
    return b.BaselineParams(
        method=method, y_days=draw(st.integers(1, 12)), x_days=draw(st.integers(1, 12)),
        max_lookback_days=draw(st.integers(1, 25)), min_days=draw(st.integers(1, 4)),
        day_type=draw(st.sampled_from(b.DAY_TYPES)), low_usage_fraction=draw(st.sampled_from([0.0, 0.25, 0.9])),
        adjustment=draw(st.sampled_from(b.ADJUSTMENTS)), adjustment_hours=draw(hours),
        gap_hours=draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])), direction=draw(st.sampled_from(b.DIRECTIONS)),
        cap=draw(st.sampled_from([None, 0.0, 0.1, 0.2, 1.0])), before_hours=draw(hours),
        before_gap_hours=draw(st.sampled_from([0.0, 1.0])), after_hours=draw(st.sampled_from([0.0, 1.0, 2.0])),
        after_gap_hours=draw(st.sampled_from([0.0, 1.0])),
    )  # fmt: skip


@st.composite
def loads_arrays(draw, participants=None):
    n = draw(st.integers(1, 6) if participants is None else participants)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # Few distinct levels per day, so that ties in the ranking happen often.
    levels = rng.choice([0.0, 1.0, 2.0, 2.0, 5.0], size=(n, N_DAYS, 1))
    loads = levels + rng.choice([0.0, 0.0, 0.5, 1.5], size=(n, N_DAYS, 48))
    holes = rng.random((n, N_DAYS, 48)) < draw(st.sampled_from([0.0, 0.002, 0.02]))
    loads[holes] = np.nan
    return loads


EVENT_WINDOW = (32, 38)  # 16:00–19:00: every adjustment and same-day window above fits in the day
HOLIDAYS = [dt.date(2026, 3, 9)]
fast = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _same(a, b_):
    return np.array_equal(a, b_, equal_nan=True)


@fast
@given(loads=loads_arrays(participants=st.integers(2, 6)), params=rules(), data=st.data())
def test_permuting_participants_permutes_results(loads, params, data):
    order = np.array(data.draw(st.permutations(range(loads.shape[0]))))
    excluded = np.random.default_rng(0).random(loads.shape[:2]) < 0.1
    kwargs = {
        "days": PROPERTY_DAYS,
        "event_day": PROPERTY_EVENT,
        "window": EVENT_WINDOW,
        "params": params,
        "holidays": HOLIDAYS,
    }
    whole = b.baseline(loads=loads, excluded=excluded, **kwargs)
    permuted = b.baseline(loads=loads[order], excluded=excluded[order], **kwargs)
    assert _same(permuted.baseline_kwh, whole.baseline_kwh[order])
    assert _same(permuted.adjustment, whole.adjustment[order])
    assert _same(permuted.selected, whole.selected[order])


@fast
@given(loads=loads_arrays(), params=rules())
def test_the_engine_agrees_with_the_plain_loop(loads, params):
    kwargs = {
        "days": PROPERTY_DAYS,
        "event_day": PROPERTY_EVENT,
        "window": EVENT_WINDOW,
        "params": params,
        "holidays": HOLIDAYS,
    }
    result = b.baseline(loads=loads, excluded_dates=[PROPERTY_DAYS[5]], **kwargs)
    for p in range(loads.shape[0]):
        chosen, values, adjustment = naive_baseline(
            load=loads[p].tolist(), excluded_dates=[PROPERTY_DAYS[5]], **kwargs
        )
        assert result.selected_days(p) == chosen
        if values is None:
            assert np.isnan(result.baseline_kwh[p]).all()
        else:
            assert result.baseline_kwh[p] == pytest.approx(values, rel=1e-9, abs=1e-9)
        assert (adjustment is None) == bool(np.isnan(result.adjustment[p]))
        if adjustment is not None:
            assert result.adjustment[p] == pytest.approx(adjustment, rel=1e-9, abs=1e-9)


@fast
@given(levels=st.lists(st.sampled_from([0.0, 0.25, 1.0, 3.7, 120.5]), min_size=1, max_size=5), params=rules())
def test_a_flat_load_has_a_baseline_equal_to_it(levels, params):
    loads = np.array(levels)[:, None, None] * np.ones((1, N_DAYS, 48))
    params = b.BaselineParams(
        **{**params.__dict__, "min_days": 1, "day_type": "all", "max_lookback_days": 19}
    )
    result = b.baseline(
        loads=loads, days=PROPERTY_DAYS, event_day=PROPERTY_EVENT, window=EVENT_WINDOW, params=params
    )
    assert result.has_baseline.all()
    assert result.baseline_kwh == pytest.approx(np.array(levels)[:, None] * np.ones((1, 6)), rel=1e-12)


@fast
@given(
    loads=loads_arrays(),
    params=rules().filter(lambda p: p.method == "x-of-y" and p.adjustment != "none" and p.cap is not None),
)
def test_the_adjustment_never_exceeds_the_cap(loads, params):
    kwargs = {
        "loads": loads,
        "days": PROPERTY_DAYS,
        "event_day": PROPERTY_EVENT,
        "params": params,
        "holidays": HOLIDAYS,
    }
    result = b.baseline(window=EVENT_WINDOW, **kwargs)
    # The unadjusted baseline over the adjustment hours: the same rule, ranked on the event window, read there.
    hours, gap = round(params.adjustment_hours * 2), round(params.gap_hours * 2)
    span = b.Window(EVENT_WINDOW[0] - gap - hours, EVENT_WINDOW[0] - gap)
    days = result.selected
    counts = np.maximum(days.sum(axis=1), 1)
    base = (
        np.where(days[:, :, None], np.nan_to_num(loads[:, :, span.start : span.end]), 0)
        .sum(axis=1)
        .mean(axis=1)
        / counts
    )
    for p in np.flatnonzero(~np.isnan(result.adjustment)):
        if params.adjustment == "additive":
            assert abs(result.adjustment[p]) <= params.cap * base[p] + 1e-9
            change = result.baseline_kwh[p] - result.unadjusted_kwh[p]
            assert (np.abs(change) <= params.cap * base[p] + 1e-9).all()
        else:
            assert abs(result.adjustment[p] - 1.0) <= params.cap + 1e-12


@fast
@given(loads=loads_arrays(), params=rules())
def test_a_baseline_is_never_negative(loads, params):
    result = b.baseline(
        loads=loads, days=PROPERTY_DAYS, event_day=PROPERTY_EVENT, window=EVENT_WINDOW, params=params
    )
    values = result.baseline_kwh[result.has_baseline]
    assert not np.isnan(values).any()
    assert (values >= 0).all()
    assert np.isnan(result.baseline_kwh[~result.has_baseline]).all()
