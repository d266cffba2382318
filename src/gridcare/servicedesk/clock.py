"""SLA clocks on the business calendar: pure functions over numpy arrays (no Django, no ORM).

Moments are whole minutes since the Unix epoch in UTC (int64 arrays); the business calendar is local time,
a fixed offset from UTC (Vietnam keeps UTC+7 all year, no daylight saving). A calendar is the working
windows of a working day (minutes after local midnight, e.g. 07:00–11:30 and 13:00–16:30), the working
weekdays, and the days off (public holidays and the utility's own days off) as `datetime64[D]`.

Two kinds of promise:
- **working days** (a new connection in 5): the day of receipt is day 0 (a request received on a day off
  counts from the next working day); the deadline is the end of the last working window of the N-th working
  day after it. A warning is due when that last day's work begins.
- **working hours** (a fault in 2): the clock runs only inside working windows; the deadline is the moment
  the promised working minutes have passed. A warning is due when `warn_fraction` of them have passed.

Every function takes and returns arrays, so one call serves one request or a hundred thousand.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

MINUTES_PER_DAY = 1440
UNIT_DAYS = 0
UNIT_HOURS = 1


def parse_windows(text: str) -> tuple[tuple[int, int], ...]:
    """ "07:00-11:30,13:00-16:30" -> ((420, 690), (780, 990)), ordered and not overlapping."""
    windows = []
    for part in text.split(","):
        start, _dash, end = part.strip().partition("-")
        begin, finish = (int(h) * 60 + int(m) for h, m in (start.split(":"), end.split(":")))
        windows.append((begin, finish))
    windows.sort()
    if (
        not windows
        or any(b >= e for b, e in windows)
        or any(windows[i][1] > windows[i + 1][0] for i in range(len(windows) - 1))
    ):
        raise ValueError(f"working hours {text!r}: windows must be HH:MM-HH:MM, ordered, not overlapping")
    if windows[-1][1] > MINUTES_PER_DAY:
        raise ValueError(f"working hours {text!r}: a window ends after midnight")
    return tuple(windows)


@dataclass(frozen=True)
class Calendar:
    """Working windows, working weekdays (`weekmask`, Monday first) and days off of the business calendar."""

    windows: tuple[tuple[int, int], ...] = ((420, 690), (780, 990))
    days_off: np.ndarray = field(default_factory=lambda: np.array([], dtype="datetime64[D]"))
    weekmask: str = "1111100"
    utc_offset_minutes: int = 7 * 60

    def __post_init__(self):
        object.__setattr__(self, "days_off", np.unique(np.asarray(self.days_off, dtype="datetime64[D]")))

    @property
    def minutes_per_day(self) -> int:
        return sum(e - b for b, e in self.windows)

    def _busdays(self) -> np.busdaycalendar:
        return np.busdaycalendar(weekmask=self.weekmask, holidays=self.days_off)


def public_holidays(*, years: Iterable[int], extra_days: Sequence[dt.date] = ()) -> np.ndarray:
    """Vietnam's public holidays (the `holidays` package: Tết, Hùng Kings' day, their substitutes) plus `extra_days`."""
    import holidays

    days = list(holidays.Vietnam(years=sorted(set(years))).keys()) + list(extra_days)
    return np.unique(np.array(days, dtype="datetime64[D]"))


def _split(moments: np.ndarray, calendar: Calendar) -> tuple[np.ndarray, np.ndarray]:
    local = np.asarray(moments, dtype=np.int64) + calendar.utc_offset_minutes
    return local // MINUTES_PER_DAY, local % MINUTES_PER_DAY


def _join(days: np.ndarray, minute_of_day: np.ndarray, calendar: Calendar) -> np.ndarray:
    return days.astype(np.int64) * MINUTES_PER_DAY + minute_of_day - calendar.utc_offset_minutes


def _worked_before(minute_of_day: np.ndarray, calendar: Calendar) -> np.ndarray:
    """Working minutes of a working day before `minute_of_day`."""
    total = np.zeros_like(minute_of_day)
    for begin, end in calendar.windows:
        total += np.clip(minute_of_day - begin, 0, end - begin)
    return total


def _minute_at(worked: np.ndarray, calendar: Calendar) -> np.ndarray:
    """The minute of a working day at which `worked` working minutes (0 < worked <= a day's) have passed."""
    out = np.full_like(worked, calendar.windows[0][0])
    before = 0
    for begin, end in calendar.windows:
        inside = (worked > before) & (worked <= before + end - begin)
        out = np.where(inside, begin + worked - before, out)
        before += end - begin
    return out


def _as_days(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]")


def add_working_minutes(*, start: np.ndarray, minutes: np.ndarray, calendar: Calendar) -> np.ndarray:
    """The moments (UTC epoch minutes) when `minutes` working minutes have passed since each `start`."""
    start = np.asarray(start, dtype=np.int64)
    minutes = np.broadcast_to(np.asarray(minutes, dtype=np.int64), start.shape)
    per_day = calendar.minutes_per_day
    day, minute = _split(start, calendar)
    busdays = calendar._busdays()
    working = np.is_busday(_as_days(day), busdaycal=busdays)
    worked = np.where(working, _worked_before(minute, calendar), per_day)
    # After a day's last window (or on a day off) the clock starts with the next working day's first minute.
    past = worked >= per_day
    first_day = np.busday_offset(_as_days(day + past), 0, roll="forward", busdaycal=busdays)
    worked = np.where(past, 0, worked)
    target = worked + minutes
    whole = np.maximum((target + per_day - 1) // per_day - 1, 0)
    rest = target - whole * per_day
    due_day = np.busday_offset(first_day, whole, roll="forward", busdaycal=busdays)
    minute_of_day = np.where(rest == 0, calendar.windows[0][0], _minute_at(np.maximum(rest, 1), calendar))
    return _join(due_day.astype(np.int64), minute_of_day, calendar)


def add_working_days(*, start: np.ndarray, days: np.ndarray, calendar: Calendar) -> np.ndarray:
    """The end of the working day `days` working days after each `start`'s day (a day off rolls forward)."""
    start = np.asarray(start, dtype=np.int64)
    days = np.broadcast_to(np.asarray(days, dtype=np.int64), start.shape)
    day, _minute = _split(start, calendar)
    due_day = np.busday_offset(_as_days(day), days, roll="forward", busdaycal=calendar._busdays())
    return _join(due_day.astype(np.int64), np.full_like(start, calendar.windows[-1][1]), calendar)


def deadlines(
    *,
    start: np.ndarray,
    amount: np.ndarray,
    unit: np.ndarray,
    calendar: Calendar,
    warn_fraction: float = 0.75,
) -> tuple[np.ndarray, np.ndarray]:
    """(due, warn) moments of promises of `amount` working days (`unit` 0) or working hours (`unit` 1)."""
    start = np.asarray(start, dtype=np.int64)
    amount = np.asarray(amount, dtype=np.int64)
    unit = np.asarray(unit, dtype=np.int64)
    by_days = add_working_days(start=start, days=amount, calendar=calendar)
    due_day, _minute = _split(by_days, calendar)
    warn_days = _join(due_day, np.full_like(start, calendar.windows[0][0]), calendar)
    promised = amount * 60
    by_hours = add_working_minutes(start=start, minutes=promised, calendar=calendar)
    warn_hours = add_working_minutes(
        start=start, minutes=np.floor(promised * warn_fraction).astype(np.int64), calendar=calendar
    )
    hours = unit == UNIT_HOURS
    return np.where(hours, by_hours, by_days), np.where(hours, warn_hours, warn_days)


def working_minutes_between(*, start: np.ndarray, end: np.ndarray, calendar: Calendar) -> np.ndarray:
    """Working minutes from each `start` to each `end` (negative when `end` is earlier)."""
    start = np.asarray(start, dtype=np.int64)
    end = np.asarray(end, dtype=np.int64)
    sign = np.where(end >= start, 1, -1)
    low, high = np.minimum(start, end), np.maximum(start, end)
    busdays = calendar._busdays()
    per_day = calendar.minutes_per_day

    def position(moment):
        day, minute = _split(moment, calendar)
        working = np.is_busday(_as_days(day), busdaycal=busdays)
        return day, np.where(working, _worked_before(minute, calendar), 0), working

    low_day, low_worked, low_working = position(low)
    high_day, high_worked, _ = position(high)
    # Working days from low's day (inclusive) to high's day (exclusive), each worth a full day.
    full = np.busday_count(_as_days(low_day), _as_days(high_day), busdaycal=busdays)
    total = full * per_day - np.where(low_working, low_worked, 0) + high_worked
    return sign * total


def classify(*, now: int, due: np.ndarray, warn: np.ndarray) -> np.ndarray:
    """0 on time, 1 warned (near the deadline), 2 breached, for each request at moment `now`."""
    due = np.asarray(due, dtype=np.int64)
    warn = np.asarray(warn, dtype=np.int64)
    return np.where(now >= due, 2, np.where(now >= warn, 1, 0)).astype(np.int8)


def to_minutes(moment: dt.datetime) -> int:
    """A timezone-aware datetime as UTC epoch minutes (seconds dropped)."""
    return int(moment.timestamp() // 60)


def from_minutes(minutes: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(minutes) * 60, tz=dt.UTC)
