"""SLA arithmetic on the business calendar, hand-computed (working hours 07:00–11:30 and 13:00–16:30, Mon–Fri).

Vietnam's holidays come from the `holidays` package: Tết 2026 is Mon 16 – Fri 20 February; the Hùng Kings'
day follows the lunar calendar (Mon 7 April 2025, Sunday 26 April 2026 observed on Mon 27, Fri 16 April 2027).
"""

import datetime as dt

import numpy as np
import pytest

from gridcare.servicedesk import clock

ICT = dt.timezone(dt.timedelta(hours=7))
CALENDAR = clock.Calendar(
    windows=((420, 690), (780, 990)), days_off=clock.public_holidays(years=[2025, 2026, 2027])
)


def at(y, mo, d, h=0, mi=0) -> int:
    return clock.to_minutes(dt.datetime(y, mo, d, h, mi, tzinfo=ICT))


def local(minutes) -> dt.datetime:
    return clock.from_minutes(int(minutes)).astimezone(ICT).replace(tzinfo=None)


def due_days(start, days, calendar=CALENDAR):
    return local(clock.add_working_days(start=np.array([start]), days=np.array([days]), calendar=calendar)[0])


def due_minutes(start, minutes, calendar=CALENDAR):
    return local(
        clock.add_working_minutes(start=np.array([start]), minutes=np.array([minutes]), calendar=calendar)[0]
    )


def test_five_working_days_skip_the_weekend():
    # Thu 17/7 is day 0: Fri 18, Mon 21, Tue 22, Wed 23, Thu 24 -> end of Thursday's work.
    assert due_days(at(2025, 7, 17, 10), 5) == dt.datetime(2025, 7, 24, 16, 30)


def test_a_request_received_on_saturday_counts_from_monday():
    assert due_days(at(2025, 7, 19, 9), 5) == dt.datetime(2025, 7, 28, 16, 30)


def test_working_days_skip_tet():
    # Fri 13/2/2026: weekend 14–15, Tết 16–20, weekend 21–22; then 23, 24, 25, 26, 27.
    assert due_days(at(2026, 2, 13, 9), 5) == dt.datetime(2026, 2, 27, 16, 30)
    # With extra works (7 days): Mon 2 and Tue 3 March.
    assert due_days(at(2026, 2, 13, 9), 7) == dt.datetime(2026, 3, 3, 16, 30)


def test_tet_2025_falls_in_january():
    # Mon 27/1/2025 – Sat 1/2 are Tết: Fri 24/1 + 1 working day is Mon 3/2.
    assert due_days(at(2025, 1, 24, 15), 1) == dt.datetime(2025, 2, 3, 16, 30)


@pytest.mark.parametrize(
    ("opened", "expected"),
    [
        (at(2025, 4, 4, 10), dt.datetime(2025, 4, 8, 16, 30)),  # Mon 7/4/2025 is the Hùng Kings' day
        (at(2026, 4, 24, 10), dt.datetime(2026, 4, 28, 16, 30)),  # Sun 26/4/2026, observed Mon 27
        (at(2027, 4, 15, 10), dt.datetime(2027, 4, 19, 16, 30)),  # Fri 16/4/2027
    ],
)
def test_the_hung_kings_day_moves_with_the_lunar_calendar(opened, expected):
    assert due_days(opened, 1) == expected


def test_the_utilitys_own_day_off_counts_too():
    calendar = clock.Calendar(days_off=np.append(CALENDAR.days_off, np.datetime64("2025-07-23")))
    assert due_days(at(2025, 7, 17, 10), 5, calendar) == dt.datetime(2025, 7, 25, 16, 30)


def test_two_working_hours_from_friday_afternoon_end_on_monday_morning():
    # 16:00–16:30 Friday (30 min), then 07:00–08:30 Monday (90 min).
    assert due_minutes(at(2025, 7, 18, 16), 120) == dt.datetime(2025, 7, 21, 8, 30)


def test_working_hours_skip_the_lunch_break():
    assert due_minutes(at(2025, 7, 22, 10, 30), 120) == dt.datetime(2025, 7, 22, 14, 0)


def test_working_hours_from_before_the_day_and_ending_on_the_dot():
    assert due_minutes(at(2025, 7, 22, 5, 45), 270) == dt.datetime(2025, 7, 22, 11, 30)
    assert due_minutes(at(2025, 7, 22, 5, 45), 480) == dt.datetime(2025, 7, 22, 16, 30)  # 270 + 210
    assert due_minutes(at(2025, 7, 22, 5, 45), 540) == dt.datetime(2025, 7, 23, 8, 0)
    assert due_minutes(at(2025, 7, 22, 12, 10), 1) == dt.datetime(2025, 7, 22, 13, 1)


def test_working_hours_on_the_eve_of_tet_wait_for_the_first_day_back():
    assert due_minutes(at(2026, 2, 15, 20), 120) == dt.datetime(2026, 2, 23, 9, 0)


def test_deadlines_and_warnings_of_both_kinds_in_one_call():
    start = np.array([at(2025, 7, 17, 10), at(2025, 7, 18, 16)])
    due, warn = clock.deadlines(start=start, amount=np.array([5, 2]), unit=np.array([clock.UNIT_DAYS, clock.UNIT_HOURS]),
                                calendar=CALENDAR, warn_fraction=0.75)  # fmt: skip
    assert [local(v) for v in due] == [dt.datetime(2025, 7, 24, 16, 30), dt.datetime(2025, 7, 21, 8, 30)]
    # Days: when the last day's work begins; hours: after 90 of 120 minutes (30 Friday + 60 Monday).
    assert [local(v) for v in warn] == [dt.datetime(2025, 7, 24, 7, 0), dt.datetime(2025, 7, 21, 8, 0)]
    states = clock.classify(now=at(2025, 7, 21, 8, 15), due=due, warn=warn)
    assert states.tolist() == [0, 1]
    assert clock.classify(now=at(2025, 7, 24, 16, 30), due=due, warn=warn).tolist() == [2, 2]


def test_working_minutes_between_two_moments():
    minutes = clock.working_minutes_between(
        start=np.array([at(2025, 7, 18, 16), at(2026, 2, 13, 16)]), end=np.array([at(2025, 7, 21, 8, 30), at(2026, 2, 23, 7, 30)]),
        calendar=CALENDAR,
    )  # fmt: skip
    assert minutes.tolist() == [120, 60]


def test_many_requests_at_once_give_what_each_gives_alone():
    rng = np.random.default_rng(7)
    start = at(2025, 1, 1) + rng.integers(0, 2 * 365 * 1440, size=500)
    minutes = rng.integers(0, 5000, size=500)
    together = clock.add_working_minutes(start=start, minutes=minutes, calendar=CALENDAR)
    alone = [
        clock.add_working_minutes(start=np.array([s]), minutes=np.array([m]), calendar=CALENDAR)[0]
        for s, m in zip(start, minutes, strict=True)
    ]
    assert together.tolist() == alone
    # And the clock agrees with itself: the working minutes from start to deadline are what was promised
    # (a zero promise started outside working hours is its start, where no working minute has passed).
    passed = clock.working_minutes_between(start=start, end=together, calendar=CALENDAR)
    assert (passed[minutes > 0] == minutes[minutes > 0]).all()


def test_bad_working_hours_are_refused():
    with pytest.raises(ValueError):
        clock.parse_windows("13:00-11:00")
    assert clock.parse_windows("13:00-16:30, 07:00-11:30") == ((420, 690), (780, 990))
