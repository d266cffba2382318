"""Demand-response baselines: what each participant would have used without the event, all at once.

Pure numpy (no Django, no ORM). Loads are arrays of participants × days × intervals (kWh per interval,
30 minutes: 48 a day; NaN = missing). Every rule is one computation over the whole array: there is no
Python loop over participants.

Three methods (see docs/demand-response.md for the presets and their sources):

- ``x-of-y`` ("high X of Y" day matching): look back up to ``max_lookback_days`` calendar days from the day
  before the event, collect the up to ``y_days`` most recent eligible days (of the event day's type, or
  weekdays / weekends-and-holidays / all; earlier event days, outage days and days with any missing interval
  excluded), rank them by load over the event window (ties: the more recent first), average the top
  ``x_days``; then optionally adjust by the event day's own load over the ``adjustment_hours`` ending
  ``gap_hours`` before the event (additive or ratio, both directions or one, capped at ``cap`` × the
  unadjusted baseline over those hours). Fewer than ``min_days`` collected: no baseline.
- ``same-day`` (PJM "3 + 2" style): the mean load of the event day over ``before_hours`` ending
  ``before_gap_hours`` before the event and ``after_hours`` starting ``after_gap_hours`` after it.
- ``meter-before``: the mean load of the event day over ``before_hours`` ending ``before_gap_hours`` before
  the event (by default the one interval just before it).

A baseline is never below zero.
"""

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import NamedTuple

import numpy as np

METHODS = ("x-of-y", "same-day", "meter-before")
DAY_TYPES = ("same", "weekday", "weekend-holiday", "all")
DAY_KINDS = ("weekday-weekend", "weekday-saturday-sunday")
ADJUSTMENTS = ("none", "additive", "ratio")
DIRECTIONS = ("both", "up-only", "down-only")
INTERVALS_PER_DAY = 48
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


class BaselineError(ValueError):
    """The inputs or parameters cannot give a baseline; `code` and `details` say why (for translated messages)."""

    def __init__(self, message: str, *, code: str, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.details = details or {}


class Window(NamedTuple):
    """Intervals of one day, [start, end) as interval indices (0 = 00:00–00:30 for 30-minute data)."""

    start: int
    end: int

    @property
    def intervals(self) -> int:
        return self.end - self.start


def window_at(*, start: dt.time, end: dt.time, intervals_per_day: int = INTERVALS_PER_DAY) -> Window:
    """The window from `start` to `end` (local times on interval boundaries; an `end` of 00:00 is midnight).

    An `end` earlier than `start` is on the next day (an event from 22:00 to 02:00): the window's end is then
    past the day's last interval (52 for 02:00 with 30-minute data), and the rules read two calendar days.
    """
    minutes = 24 * 60 // intervals_per_day
    first, last = start.hour * 60 + start.minute, end.hour * 60 + end.minute
    if last == 0:
        last = 24 * 60
    if start.second or end.second or first % minutes or last % minutes:
        raise BaselineError(
            f"Event times must be on {minutes}-minute boundaries.",
            code="window_not_aligned",
            details={"minutes": minutes},
        )
    if last == first:
        raise BaselineError("The event must end after it starts.", code="window_empty")
    if last < first:
        last += 24 * 60  # the next day
    return Window(first // minutes, last // minutes)


@dataclass(frozen=True)
class BaselineParams:
    """One baseline rule. Hours are multiples of the interval length. `weekend_holiday`: the rule used instead
    when the event day is a weekend day or a holiday (PJM's 2 of 3, CAISO's 4 of 4), if it differs."""

    method: str = "x-of-y"
    y_days: int = 10
    x_days: int = 10
    max_lookback_days: int = 45
    min_days: int = 1
    day_type: str = "same"
    # "weekday-weekend": a day is a weekday or a weekend day/holiday; "weekday-saturday-sunday" (PJM): Saturdays
    # are their own kind, apart from Sundays and holidays (for `day_type="same"`).
    day_kinds: str = "weekday-weekend"
    # NYISO: collected days whose event-window load is below this fraction of the highest one are dropped.
    low_usage_fraction: float = 0.0
    adjustment: str = "none"
    adjustment_hours: float = 3.0
    gap_hours: float = 1.0
    direction: str = "both"
    cap: float | None = None  # a fraction of the unadjusted baseline over the adjustment hours; None: no cap
    before_hours: float = 3.0
    before_gap_hours: float = 1.0
    after_hours: float = 2.0
    after_gap_hours: float = 1.0
    weekend_holiday: "BaselineParams | None" = None

    def for_event_day(self, *, weekend_or_holiday: bool) -> "BaselineParams":
        """The rule that applies to an event on a weekday, or on a weekend day or holiday."""
        if weekend_or_holiday and self.weekend_holiday is not None:
            return self.weekend_holiday
        return self if self.weekend_holiday is None else replace(self, weekend_holiday=None)

    def check(self) -> None:
        """Raise BaselineError(code="bad_parameter") for a value outside its domain."""
        choices = {
            "method": METHODS, "day_type": DAY_TYPES, "day_kinds": DAY_KINDS, "adjustment": ADJUSTMENTS, "direction": DIRECTIONS,
        }  # fmt: skip
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                _bad(name, getattr(self, name), f"one of {', '.join(allowed)}")
        for name in ("y_days", "x_days", "max_lookback_days", "min_days"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 1:
                _bad(name, value, "a whole number ≥ 1")
        for name in (
            "adjustment_hours",
            "gap_hours",
            "before_hours",
            "before_gap_hours",
            "after_hours",
            "after_gap_hours",
        ):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                _bad(name, value, "a number of hours ≥ 0")
        if self.adjustment != "none" and self.adjustment_hours <= 0:
            _bad("adjustment_hours", self.adjustment_hours, "more than 0 hours")
        if self.method == "same-day" and self.before_hours + self.after_hours <= 0:
            _bad("before_hours", self.before_hours, "more than 0 hours before or after the event")
        if self.method == "meter-before" and self.before_hours <= 0:
            _bad("before_hours", self.before_hours, "more than 0 hours")
        if self.cap is not None and (not math.isfinite(self.cap) or self.cap < 0):
            _bad("cap", self.cap, "a fraction ≥ 0")
        if not (math.isfinite(self.low_usage_fraction) and 0 <= self.low_usage_fraction <= 1):
            _bad("low_usage_fraction", self.low_usage_fraction, "a fraction between 0 and 1")
        if self.weekend_holiday is not None:
            self.weekend_holiday.check()


def _bad(name: str, value, expected: str):
    raise BaselineError(
        f"{name} = {value!r}: expected {expected}.",
        code="bad_parameter",
        details={"parameter": name, "value": value, "expected": expected},
    )


PARAMETER_NAMES = tuple(f.name for f in fields(BaselineParams) if f.name != "weekend_holiday")

# Named rules; docs/demand-response.md gives each one's source and what is uncertain.
PRESETS: dict[str, BaselineParams] = {
    "x-of-y": BaselineParams(),
    "same-day": BaselineParams(method="same-day", before_hours=3.0, before_gap_hours=1.0, after_hours=2.0, after_gap_hours=1.0),
    "meter-before": BaselineParams(method="meter-before", before_hours=0.5, before_gap_hours=0.0, after_hours=0.0),
    "caiso-10-in-10": BaselineParams(
        y_days=10, x_days=10, max_lookback_days=45, min_days=5, day_type="same",
        adjustment="ratio", adjustment_hours=3.0, gap_hours=1.0, direction="both", cap=0.2,
        weekend_holiday=BaselineParams(
            y_days=4, x_days=4, max_lookback_days=45, min_days=2, day_type="same",
            adjustment="ratio", adjustment_hours=3.0, gap_hours=1.0, direction="both", cap=0.2,
        ),
    ),
    "pjm-4-of-5": BaselineParams(
        y_days=5, x_days=4, max_lookback_days=45, min_days=1, day_type="same", day_kinds="weekday-saturday-sunday",
        adjustment="additive", adjustment_hours=3.0, gap_hours=1.0, direction="both", cap=None,
        weekend_holiday=BaselineParams(
            y_days=3, x_days=2, max_lookback_days=45, min_days=1, day_type="same", day_kinds="weekday-saturday-sunday",
            adjustment="additive", adjustment_hours=3.0, gap_hours=1.0, direction="both", cap=None,
        ),
    ),
    "nyiso-5-of-10": BaselineParams(
        y_days=10, x_days=5, max_lookback_days=30, min_days=1, day_type="same", low_usage_fraction=0.25,
        adjustment="ratio", adjustment_hours=2.0, gap_hours=2.0, direction="both", cap=0.2,
        weekend_holiday=BaselineParams(
            y_days=3, x_days=2, max_lookback_days=30, min_days=1, day_type="same", low_usage_fraction=0.25,
            adjustment="ratio", adjustment_hours=2.0, gap_hours=2.0, direction="both", cap=0.2,
        ),
    ),
    "miso-10": BaselineParams(
        y_days=10, x_days=10, max_lookback_days=45, min_days=1, day_type="weekday",
        adjustment="none", adjustment_hours=3.0, gap_hours=0.0, direction="both", cap=0.2,
    ),
}  # fmt: skip


@dataclass(frozen=True)
class BaselineResult:
    """Baselines of every participant for one event.

    `selected`: participants × days, the days averaged (the event day itself for same-day and meter-before);
    `baseline_kwh`: participants × window intervals, NaN where there is no baseline; `unadjusted_kwh`: the
    same before the same-day adjustment; `adjustment`: per participant, the additive kWh per interval or the
    ratio applied, NaN when none was (no adjustment in the rule, no baseline, or event-day data missing).
    """

    selected: np.ndarray
    baseline_kwh: np.ndarray
    unadjusted_kwh: np.ndarray
    adjustment: np.ndarray
    has_baseline: np.ndarray
    params: BaselineParams

    def selected_days(self, participant: int) -> list[int]:
        """Indices (into the days axis) of the days one participant's baseline averages."""
        return np.flatnonzero(self.selected[participant]).tolist()


@dataclass(frozen=True)
class Delivery:
    """What participants delivered: `reduction_kwh` (participants × window intervals) = baseline − actual,
    NaN where either is missing; `reduction_total_kwh` its sum (NaN if any interval is); and, given the
    off-peak intervals, `shifted_kwh` = actual − baseline off-peak kWh on the event day (load moved there)."""

    reduction_kwh: np.ndarray
    reduction_total_kwh: np.ndarray
    offpeak_actual_kwh: np.ndarray
    offpeak_baseline_kwh: np.ndarray
    shifted_kwh: np.ndarray


def day_numbers(days: Iterable[dt.date] | np.ndarray) -> np.ndarray:
    """Dates (date objects or datetime64) as int64 days since 1970-01-01."""
    if isinstance(days, np.ndarray) and np.issubdtype(days.dtype, np.datetime64):
        return days.astype("datetime64[D]").astype(np.int64)
    if isinstance(days, np.ndarray) and np.issubdtype(days.dtype, np.integer):
        return days.astype(np.int64)
    return np.fromiter((d.toordinal() - _EPOCH_ORDINAL for d in days), dtype=np.int64)


def _day_number(day: dt.date | np.datetime64) -> int:
    if isinstance(day, np.datetime64):
        return int(day.astype("datetime64[D]").astype(np.int64))
    return day.toordinal() - _EPOCH_ORDINAL


def vietnam_holidays(*, first_year: int, last_year: int) -> list[dt.date]:
    """Vietnam's public holidays (the `holidays` package's calendar: Tết and the others) in those years."""
    import holidays

    return sorted(holidays.country_holidays("VN", years=range(first_year, last_year + 1)))


def _intervals(hours: float, per_hour: int, name: str) -> int:
    count = hours * per_hour
    if abs(count - round(count)) > 1e-9:
        raise BaselineError(
            f"{name} = {hours} h is not a whole number of intervals.", code="bad_parameter",
            details={"parameter": name, "value": hours, "expected": f"a multiple of {60 // per_hour} minutes"},
        )  # fmt: skip
    return round(count)


def _span(first: int, last: int, per_day: int, what: str) -> Window:
    if first < 0 or last > per_day:
        raise BaselineError(
            f"The {what} hours fall outside the event day.",
            code="window_outside_day",
            details={"hours": what},
        )
    return Window(first, last)


def _read_days(
    loads: np.ndarray,
    picks: np.ndarray,
    window: Window,
    *,
    complete: np.ndarray,
    window_load: np.ndarray | None = None,
) -> None:
    """Read the days `picks` (indices into the days axis) of every participant into day-major outputs:
    `complete` (days × participants: no missing interval) and `window_load` (the load over the event window).

    One day at a time, each a matrix-vector product over all participants (a day's row of every participant is
    one contiguous run, so the product reads each interval once, and nothing of the other days; a loop over at
    most a dozen days, never over participants). The whole day is read because one missing interval excludes
    it; the window sums then read the rows just read, from the cache."""
    ones = np.ones(loads.shape[2])
    sums = np.empty(loads.shape[0])
    for j, day in enumerate(picks.tolist()):
        rows = loads[:, day, :]
        np.matmul(rows, ones, out=sums)  # NaN when any interval is missing
        np.isnan(sums, out=complete[j])
        np.logical_not(complete[j], out=complete[j])
        if window_load is not None:
            np.matmul(rows[:, window.start : window.end], ones[: window.intervals], out=window_load[j])


def _event_index(numbers: np.ndarray, event: int, *, needed_for: str) -> int:
    where = np.flatnonzero(numbers == event)
    if not where.size:
        raise BaselineError(
            f"The event day's own readings are needed ({needed_for}) but the event day is not among the days.",
            code="event_day_missing", details={"needed_for": needed_for},
        )  # fmt: skip
    return int(where[0])


def baseline(
    *,
    loads: np.ndarray,
    days: Sequence[dt.date] | np.ndarray,
    event_day: dt.date,
    window: Window | tuple[int, int],
    params: BaselineParams,
    holidays: Iterable[dt.date] | np.ndarray = (),
    excluded_dates: Iterable[dt.date] | np.ndarray = (),
    excluded: np.ndarray | None = None,
) -> BaselineResult:
    """Every participant's baseline over the event window, by `params`.

    `loads`: participants × days × intervals, kWh per interval, NaN where missing; `days`: the date of each day
    of the array, ascending (the event day must be among them when the rule reads it: adjustment, same-day,
    meter-before); `window`: the event's intervals; `holidays`: public holidays (`vietnam_holidays(...)` plus
    any others), computed once by the caller; `excluded_dates`: days excluded for everyone (earlier event
    days); `excluded`: participants × days, days excluded for one participant (outages on their feeder).
    """
    params.check()
    loads = np.asarray(loads)
    if loads.ndim != 3:
        raise BaselineError("loads must be participants × days × intervals.", code="bad_shape")
    n, d, per_day = loads.shape
    numbers = day_numbers(days)
    if numbers.shape != (d,):
        raise BaselineError("There must be one date per day of the loads.", code="bad_shape")
    if d > 1 and not (np.diff(numbers) > 0).all():
        raise BaselineError("The days must be in ascending order, each once.", code="days_not_ascending")
    if per_day % 24:
        raise BaselineError("A day must have a whole number of intervals per hour.", code="bad_shape")
    window = Window(*window)
    if not (0 <= window.start < per_day and window.start < window.end <= 2 * per_day):
        raise BaselineError(
            "The event window must start within the day.",
            code="window_outside_day",
            details={"hours": "event"},
        )
    per_hour = per_day // 24
    event = _day_number(event_day)
    holiday_numbers = day_numbers(holidays)
    event_weekend_holiday = bool((event + _EPOCH_WEEKDAY) % 7 >= 5 or np.isin(event, holiday_numbers))
    rule = params.for_event_day(weekend_or_holiday=event_weekend_holiday)
    excluded_numbers = day_numbers(excluded_dates)
    past_midnight = window.end > per_day
    if past_midnight:
        # Past midnight: each day is read with the next one, as one day of twice the intervals (a view, no copy).
        # A day counts for the day matching when both it and the next calendar day are usable.
        loads, numbers, excluded, gaps = _with_next_day(loads, numbers, excluded)
        excluded_numbers = np.concatenate([excluded_numbers, gaps])
    result = _rule(
        loads,
        numbers,
        event,
        event_weekend_holiday,
        window,
        rule,
        per_hour,
        holiday_numbers,
        excluded_numbers,
        excluded,
    )
    if past_midnight:  # one day fewer was read; the last calendar day is never selected
        pad = np.zeros((n, 1), dtype=bool)
        result = replace(result, selected=np.concatenate([result.selected, pad], axis=1))
    return result


def _with_next_day(loads: np.ndarray, numbers: np.ndarray, excluded: np.ndarray | None):
    """Each day followed by the next one: participants × (days − 1) × (2 × intervals), a read-only view; the
    numbers of the days whose next day is not the next date (a gap in the array); `excluded` for either day."""
    loads = np.ascontiguousarray(loads)
    n, d, per_day = loads.shape
    joined = np.lib.stride_tricks.as_strided(
        loads, shape=(n, max(d - 1, 0), 2 * per_day), strides=loads.strides, writeable=False
    )
    gaps = numbers[:-1][numbers[1:] != numbers[:-1] + 1]
    if excluded is not None:
        excluded = np.asarray(excluded, dtype=bool)
        if excluded.shape != (n, d):
            raise BaselineError("excluded must be participants × days.", code="bad_shape")
        excluded = excluded[:, :-1] | excluded[:, 1:]
    return joined, numbers[:-1], excluded, gaps


def _rule(
    loads,
    numbers,
    event,
    event_weekend_holiday,
    window,
    rule,
    per_hour,
    holiday_numbers,
    excluded_numbers,
    excluded,
):
    if rule.method == "x-of-y":
        return _high_x_of_y(
            loads=loads, numbers=numbers, event=event, event_weekend_holiday=event_weekend_holiday, window=window,
            rule=rule, per_hour=per_hour, holiday_numbers=holiday_numbers,
            excluded_numbers=excluded_numbers, excluded=excluded,
        )  # fmt: skip
    return _same_day(loads=loads, numbers=numbers, event=event, window=window, rule=rule, per_hour=per_hour)


def _high_x_of_y(
    *,
    loads,
    numbers,
    event,
    event_weekend_holiday,
    window,
    rule,
    per_hour,
    holiday_numbers,
    excluded_numbers,
    excluded,
) -> BaselineResult:
    n, d, per_day = loads.shape
    weekday = (numbers + _EPOCH_WEEKDAY) % 7
    holiday = np.isin(numbers, holiday_numbers)
    weekend_holiday = (weekday >= 5) | holiday
    same_kind = weekend_holiday == event_weekend_holiday
    if rule.day_kinds == "weekday-saturday-sunday":
        saturday = (weekday == 5) & ~holiday
        event_saturday = (event + _EPOCH_WEEKDAY) % 7 == 5 and not np.isin(event, holiday_numbers)
        same_kind &= saturday == event_saturday
    type_ok = {
        "same": same_kind,
        "weekday": ~weekend_holiday,
        "weekend-holiday": weekend_holiday,
        "all": np.ones(d, dtype=bool),
    }[rule.day_type]
    day_ok = (
        (numbers < event)
        & (numbers >= event - rule.max_lookback_days)
        & type_ok
        & ~np.isin(numbers, excluded_numbers)
    )
    # Candidate days in reverse (most recent first); the rest of the array is never read.
    candidates = np.flatnonzero(day_ok)[::-1]
    c = candidates.size
    adjustment_span = None
    if rule.adjustment != "none":
        hours, gap = (
            _intervals(rule.adjustment_hours, per_hour, "adjustment_hours"),
            _intervals(rule.gap_hours, per_hour, "gap_hours"),
        )
        adjustment_span = _span(window.start - gap - hours, window.start - gap, per_day, "adjustment")
        event_index = _event_index(numbers, event, needed_for="adjustment")
    if excluded is not None:
        excluded = np.asarray(excluded, dtype=bool)
        if excluded.shape != (n, d):
            raise BaselineError("excluded must be participants × days.", code="bad_shape")
    # Read the candidate days most recent first, only as far back as needed: the latest y_days + 2 for everyone,
    # older ones only for the participants that have fewer than y_days eligible days among those (gaps, outages).
    # The event-window loads are only needed to rank days (x < y) or drop low-usage ones. Day-major arrays
    # (candidate days × participants): each step below runs along all participants at once.
    first = window.start if adjustment_span is None else min(window.start, adjustment_span.start)
    span = slice(first, window.end)
    ranked = rule.x_days < rule.y_days or rule.low_usage_fraction > 0
    first_block = min(c, rule.y_days + 2)
    complete = np.zeros((c, n), dtype=bool)
    window_load = np.zeros((c, n)) if ranked else None
    if first_block:
        _read_days(loads, candidates[:first_block], window, complete=complete[:first_block],
                   window_load=None if window_load is None else window_load[:first_block])  # fmt: skip
    usable = None if excluded is None else ~excluded.T[candidates]
    eligible = complete if usable is None else complete & usable
    needy = np.flatnonzero(eligible[:first_block].sum(axis=0) < rule.y_days)
    if needy.size and first_block < c:
        rest = candidates[first_block:]
        older = loads[
            needy[:, None], rest[None, :], :
        ]  # those participants' older candidate days only (a copy)
        more = np.zeros((rest.size, needy.size), dtype=bool)
        more_load = np.zeros((rest.size, needy.size)) if ranked else None
        _read_days(older, np.arange(rest.size), window, complete=more, window_load=more_load)
        complete[first_block:, needy] = more
        if ranked:
            window_load[first_block:, needy] = more_load
        eligible = complete if usable is None else complete & usable
    # The first y_days eligible days of each participant: a running count down the days, all participants at once.
    collected = np.zeros((c, n), dtype=bool)
    running = np.zeros(n, dtype=np.int32)
    for j in range(c):
        running += eligible[j]
        np.logical_and(eligible[j], running <= rule.y_days, out=collected[j])
    if rule.low_usage_fraction > 0 and c:
        highest = np.where(collected, window_load, -np.inf).max(axis=0)
        collected &= window_load >= rule.low_usage_fraction * highest
    count = collected.sum(axis=0)
    has = count >= rule.min_days
    # At most y_days are collected, so at most min(x_days, y_days) are kept.
    keep = min(rule.x_days, rule.y_days, c)
    # Participants whose collected days reach past the latest `first_block` ("far") are ranked over all candidates.
    far = collected[first_block:].any(axis=0)
    if rule.x_days >= rule.y_days:
        chosen = collected & has  # x ≥ y: every collected day is kept, nothing to rank
    else:
        score = np.where(collected, window_load, -np.inf).T  # participants × days, to rank each one's days
        # Highest event-window load first; a stable sort keeps ties in day order, i.e. the more recent first.
        order = np.argsort(-score[:, :first_block], axis=1, kind="stable")[:, :keep]
        far_rows = np.flatnonzero(far)
        if far_rows.size:
            order[far_rows] = np.argsort(-score[far_rows], axis=1, kind="stable")[:, :keep]
        by_participant = np.zeros((n, c), dtype=bool)
        np.put_along_axis(
            by_participant, order, np.take_along_axis(collected.T, order, axis=1) & has[:, None], axis=1
        )
        chosen = by_participant.T
    selected = np.zeros((n, d), dtype=bool)
    selected[:, candidates] = chosen.T
    used = chosen.sum(axis=0)
    divisor = np.where(used > 0, used, 1)[:, None]
    # Sums of the kept days over the adjustment hours through the event window: the latest `first_block` days'
    # intervals from the adjustment hours to the window's end are gathered (participants × days × those
    # intervals: 14 of the 48 for CAISO) and weighted by the kept days in one batched product; the rows it cannot
    # give (far rows, and rows with a missing value in a day not kept) are gathered again alone.
    totals = np.zeros((n, window.end - first))
    if keep:
        profiles = loads[:, candidates[:first_block], span]
        weights = chosen[:first_block].T.astype(np.float64)[:, None, :]
        totals = np.matmul(weights, profiles)[:, 0, :]
        redo = np.flatnonzero(far | np.isnan(totals).any(axis=1))
        if redo.size:
            rows = chosen[:, redo].T
            kept = np.argsort(~rows, axis=1, kind="stable")[:, :keep]  # the kept days first
            mask = np.take_along_axis(rows, kept, axis=1)
            gathered = loads[redo[:, None], candidates[kept], span]  # rows × kept days × intervals
            totals[redo] = np.einsum(
                "pk,pki->pi", mask.astype(np.float64), np.where(mask[:, :, None], gathered, 0.0)
            )

    def mean_over_chosen(span: Window) -> np.ndarray:
        return np.where(has[:, None], totals[:, span.start - first : span.end - first] / divisor, np.nan)

    unadjusted = mean_over_chosen(window)
    adjustment = np.full(n, np.nan)
    adjusted = unadjusted
    if adjustment_span is not None:
        hours = adjustment_span.intervals
        base_sum = np.matmul(
            totals[:, adjustment_span.start - first : adjustment_span.end - first], np.ones(hours)
        )
        base = np.where(has, base_sum / divisor[:, 0] / hours, np.nan)
        actual = (
            np.matmul(loads[:, event_index, adjustment_span.start : adjustment_span.end], np.ones(hours))
            / hours
        )
        known = has & ~np.isnan(actual)
        if rule.adjustment == "additive":
            value = actual - base
            if rule.direction == "up-only":
                value = np.maximum(value, 0.0)
            elif rule.direction == "down-only":
                value = np.minimum(value, 0.0)
            if rule.cap is not None:
                value = np.clip(value, -rule.cap * base, rule.cap * base)
            adjustment = np.where(known, value, np.nan)
            adjusted = unadjusted + np.where(known, value, 0.0)[:, None]
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where(base > 0, actual / base, 1.0)
            if rule.direction == "up-only":
                value = np.maximum(value, 1.0)
            elif rule.direction == "down-only":
                value = np.minimum(value, 1.0)
            if rule.cap is not None:
                value = np.clip(value, 1.0 - rule.cap, 1.0 + rule.cap)
            adjustment = np.where(known, value, np.nan)
            adjusted = unadjusted * np.where(known, value, 1.0)[:, None]
    return BaselineResult(
        selected=selected, baseline_kwh=np.maximum(adjusted, 0.0), unadjusted_kwh=np.maximum(unadjusted, 0.0),
        adjustment=adjustment, has_baseline=has, params=rule,
    )  # fmt: skip


def _same_day(*, loads, numbers, event, window, rule, per_hour) -> BaselineResult:
    n, d, per_day = loads.shape
    event_index = _event_index(numbers, event, needed_for=rule.method)
    before = _intervals(rule.before_hours, per_hour, "before_hours")
    before_gap = _intervals(rule.before_gap_hours, per_hour, "before_gap_hours")
    after = _intervals(rule.after_hours, per_hour, "after_hours") if rule.method == "same-day" else 0
    after_gap = _intervals(rule.after_gap_hours, per_hour, "after_gap_hours") if after else 0
    parts = []
    if before:
        span = _span(window.start - before_gap - before, window.start - before_gap, per_day, "before")
        parts.append(loads[:, event_index, span.start : span.end])
    if after:
        span = _span(window.end + after_gap, window.end + after_gap + after, per_day, "after")
        parts.append(loads[:, event_index, span.start : span.end])
    level = np.concatenate(parts, axis=1).mean(axis=1, dtype=np.float64)  # NaN if any interval is missing
    has = ~np.isnan(level)
    values = np.repeat(np.maximum(level, 0.0)[:, None], window.intervals, axis=1)
    selected = np.zeros((n, d), dtype=bool)
    selected[:, event_index] = has
    return BaselineResult(
        selected=selected, baseline_kwh=values, unadjusted_kwh=values.copy(), adjustment=np.full(n, np.nan),
        has_baseline=has, params=rule,
    )  # fmt: skip


def delivered(
    *,
    loads: np.ndarray,
    days: Sequence[dt.date] | np.ndarray,
    event_day: dt.date,
    window: Window | tuple[int, int],
    result: BaselineResult,
    offpeak: np.ndarray | None = None,
) -> Delivery:
    """Reduction per interval (baseline − actual) and, given the day's off-peak intervals (a bool mask of one
    day's intervals, from the time-of-use hours), the load shifted into them: the event day's actual off-peak
    kWh minus the mean off-peak kWh of the baseline days (day-matching rules only; NaN for same-day rules)."""
    loads = np.asarray(loads)
    n, _d, per_day = loads.shape
    window = Window(*window)
    numbers = day_numbers(days)
    event_index = _event_index(numbers, _day_number(event_day), needed_for="delivered")
    if window.end > per_day:  # past midnight: the event day then the next one
        if event_index + 1 >= len(numbers) or numbers[event_index + 1] != numbers[event_index] + 1:
            raise BaselineError(
                "The day after the event is needed (the event ends after midnight) but it is not among the days.",
                code="event_day_missing", details={"needed_for": "delivered"},
            )  # fmt: skip
        actual = loads[:, event_index : event_index + 2, :].reshape(n, 2 * per_day)[
            :, window.start : window.end
        ]
        actual = actual.astype(np.float64)
    else:
        actual = loads[:, event_index, window.start : window.end].astype(np.float64)
    reduction = result.baseline_kwh - actual
    total = reduction.sum(axis=1)
    nan = np.full(n, np.nan)
    if offpeak is None or result.params.method != "x-of-y":
        return Delivery(reduction, total, nan, nan.copy(), nan.copy())
    mask = np.asarray(offpeak, dtype=bool)
    if mask.shape != (per_day,):
        raise BaselineError("The off-peak mask must have one value per interval of a day.", code="bad_shape")
    offpeak_days = loads[:, :, mask].sum(axis=2, dtype=np.float64)  # participants × days
    used = result.selected.sum(axis=1)
    baseline_offpeak = np.where(
        result.has_baseline & (used > 0),
        np.where(result.selected, offpeak_days, 0.0).sum(axis=1) / np.maximum(used, 1),
        np.nan,
    )
    actual_offpeak = offpeak_days[:, event_index]
    return Delivery(reduction, total, actual_offpeak, baseline_offpeak, actual_offpeak - baseline_offpeak)
