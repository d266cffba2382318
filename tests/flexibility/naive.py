"""The baseline rules written the obvious way: one participant at a time, one day at a time, plain Python.

An independent reading of docs/demand-response.md, kept simple on purpose. The tests compare the vectorised
engine with it on random data, and benchmarks/baselines.py times it as the naive loop.
"""

import datetime as dt
import math


def _is_weekend_holiday(day: dt.date, holidays: set[dt.date]) -> bool:
    return day.weekday() >= 5 or day in holidays


def naive_baseline(*, load, days, event_day, window, params, holidays=(), excluded_dates=(), excluded=None):
    """One participant: `load` is a list of days, each a list of interval kWh (NaN = missing).

    Returns (selected day indices in ascending order, baseline per window interval or None, adjustment or None).
    """
    holidays, excluded_dates = set(holidays), set(excluded_dates)
    per_day = len(load[0])
    per_hour = per_day // 24
    start, end = window
    event_wh = _is_weekend_holiday(event_day, holidays)
    rule = params.for_event_day(weekend_or_holiday=event_wh)
    index_of = {day: i for i, day in enumerate(days)}

    if rule.method in ("same-day", "meter-before"):
        e = index_of[event_day]
        before, before_gap = round(rule.before_hours * per_hour), round(rule.before_gap_hours * per_hour)
        values = load[e][start - before_gap - before : start - before_gap]
        if rule.method == "same-day" and rule.after_hours:
            after, after_gap = round(rule.after_hours * per_hour), round(rule.after_gap_hours * per_hour)
            values = values + load[e][end + after_gap : end + after_gap + after]
        if any(math.isnan(v) for v in values):
            return [], None, None
        level = max(sum(values) / len(values), 0.0)
        return [e], [level] * (end - start), None

    collected = []  # (index), most recent first
    for back in range(1, rule.max_lookback_days + 1):
        if len(collected) == rule.y_days:
            break
        day = event_day - dt.timedelta(days=back)
        if day not in index_of:
            continue
        i = index_of[day]
        wh = _is_weekend_holiday(day, holidays)
        if rule.day_type == "same" and wh != event_wh:
            continue
        if rule.day_type == "weekday" and wh:
            continue
        if rule.day_type == "weekend-holiday" and not wh:
            continue
        if day in excluded_dates or (excluded is not None and excluded[i]):
            continue
        if any(math.isnan(v) for v in load[i]):
            continue
        collected.append(i)
    window_load = {i: sum(load[i][start:end]) for i in collected}
    if rule.low_usage_fraction > 0 and collected:
        highest = max(window_load.values())
        collected = [i for i in collected if window_load[i] >= rule.low_usage_fraction * highest]
    if len(collected) < rule.min_days:
        return [], None, None
    # Highest first; among equals the more recent (collected is most recent first, sorted() is stable).
    chosen = sorted(collected, key=lambda i: -window_load[i])[: rule.x_days]

    def mean_profile(first, last):
        return [sum(load[i][k] for i in chosen) / len(chosen) for k in range(first, last)]

    baseline = mean_profile(start, end)
    adjustment = None
    if rule.adjustment != "none":
        hours, gap = round(rule.adjustment_hours * per_hour), round(rule.gap_hours * per_hour)
        first, last = start - gap - hours, start - gap
        base = sum(mean_profile(first, last)) / hours
        actual_values = load[index_of[event_day]][first:last]
        if not any(math.isnan(v) for v in actual_values):
            actual = sum(actual_values) / hours
            if rule.adjustment == "additive":
                value = actual - base
                if rule.direction == "up-only":
                    value = max(value, 0.0)
                if rule.direction == "down-only":
                    value = min(value, 0.0)
                if rule.cap is not None:
                    value = min(max(value, -rule.cap * base), rule.cap * base)
                baseline = [b + value for b in baseline]
            else:
                value = actual / base if base > 0 else 1.0
                if rule.direction == "up-only":
                    value = max(value, 1.0)
                if rule.direction == "down-only":
                    value = min(value, 1.0)
                if rule.cap is not None:
                    value = min(max(value, 1.0 - rule.cap), 1.0 + rule.cap)
                baseline = [b * value for b in baseline]
            adjustment = value
    return sorted(chosen), [max(b, 0.0) for b in baseline], adjustment
