"""Measuring an event: interval data of every participant as one array, the baseline engine, delivered and shifted load.

Thin adapter between the database and the pure engine `gridcare.flexibility.baselines`: loads come in as
participants × days × 48 half-hours (Wh, NaN where missing), the engine gives each participant's baseline for a
window of the event day, and the arithmetic here turns both into delivered energy, energy moved into off-peak
hours and the time-of-use money that moving saved.
"""

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np

from gridcare.flexibility import baselines

INTERVALS_PER_DAY = 48


@dataclass(frozen=True)
class Measured:
    """Per participant (rows) and interval (columns) from the event day's 00:00: its 48 half-hours, or for an event
    past midnight the half-hours up to the event's end on the next day (48 + those); baseline and actual Wh; totals."""

    baseline_wh: np.ndarray  # participants × columns, float, NaN where no baseline
    actual_wh: np.ndarray  # participants × columns, float, NaN where missing
    in_event: np.ndarray  # columns bools
    has_baseline: np.ndarray  # participants bools
    delivered_wh: np.ndarray  # participants, int64 (baseline − actual over the event window)
    shifted_wh: np.ndarray  # participants, int64 (actual − baseline over off-peak hours, never below 0)
    saved_vnd: np.ndarray  # participants, int64


def measure(
    *,
    loads: np.ndarray,
    days: list[dt.date],
    start_interval: int,
    end_interval: int,
    method: str,
    parameters: dict,
    holidays: list[dt.date],
    excluded: list[dt.date],
    periods: list[str | None],
    prices: np.ndarray,
    event_day: dt.date | None = None,
) -> Measured:
    """Baselines and results of every participant for an event on `event_day` (by default the last of `days`), in
    half-hours [start, end) counted from the event day's 00:00: an end past 48 is on the next day, which must then
    be the last of `days` (an event from 22:00 to 01:00 is [44, 50)).

    `loads`: participants × len(days) × 48 Wh (NaN = missing); `periods`: the time-of-use period of each
    half-hour of the event day (48) and, for an event past midnight, of the next day (96); `prices`:
    participants × 3 (peak, normal, offpeak VND/kWh, before VAT). Load shifted is measured over the event
    day's off-peak hours.
    """
    n = loads.shape[0]
    kwh = loads / 1000
    event_day = days[-1] if event_day is None else event_day
    e = days.index(event_day)
    columns = max(INTERVALS_PER_DAY, end_interval)
    following = -(-columns // INTERVALS_PER_DAY)  # the event day, and the next one for an event past midnight
    if e + following > len(days):
        raise baselines.BaselineError(
            "The day after the event is needed (the event ends after midnight) but it is not among the days.",
            code="event_day_missing", details={"needed_for": "delivered"},
        )  # fmt: skip
    actual = loads[:, e : e + following, :].reshape(n, following * INTERVALS_PER_DAY)[:, :columns]
    rule = rule_params(method=method, parameters=parameters)
    window = (start_interval, end_interval)
    in_event = np.zeros(columns, bool)
    in_event[start_interval:end_interval] = True
    offpeak = np.array([p == "offpeak" for p in periods[:INTERVALS_PER_DAY]])
    result = baselines.baseline(
        loads=kwh,
        days=days,
        event_day=event_day,
        window=window,
        params=rule,
        holidays=holidays,
        excluded_dates=excluded,
    )
    delivery = baselines.delivered(
        loads=kwh, days=days, event_day=event_day, window=window, result=result, offpeak=offpeak
    )
    baseline = np.full((n, columns), np.nan)
    baseline[:, start_interval:end_interval] = result.baseline_kwh * 1000
    # The rest of the day, for the chart: the same day matching without the same-day adjustment (which is about
    # the hours before the event only). (Past midnight the columns end with the event: the rest is before it.)
    if rule.method == "x-of-y":
        plain = _without_adjustment(rule)
        for a, b in _runs(~in_event):
            rest = baselines.baseline(
                loads=kwh, days=days, event_day=event_day, window=(a, b), params=plain, holidays=holidays,
                excluded_dates=excluded,
            )  # fmt: skip
            baseline[:, a:b] = rest.baseline_kwh * 1000
    has_baseline = result.has_baseline & ~np.isnan(delivery.reduction_total_kwh)
    delivered_wh = np.where(has_baseline, delivery.reduction_total_kwh * 1000, 0.0)
    shifted = np.where(
        has_baseline & ~np.isnan(delivery.shifted_kwh), np.maximum(delivery.shifted_kwh, 0.0) * 1000, 0.0
    )
    period_index = np.array([{"peak": 0, "normal": 1, "offpeak": 2}.get(p or "normal", 1) for p in periods])
    window_prices = prices[:, period_index[start_interval:end_interval]]  # participants × event intervals
    reduction_wh = np.nan_to_num(delivery.reduction_kwh) * 1000
    # Money saved by shifting: the energy not drawn in the event window at that hour's price, less the extra
    # off-peak energy at the off-peak price; before VAT, rounded once, to the đồng.
    saved = (reduction_wh * window_prices).sum(axis=1) / 1000 - shifted * prices[:, 2] / 1000
    saved = np.where(has_baseline, np.rint(saved), 0)
    return Measured(
        baseline_wh=baseline, actual_wh=actual, in_event=in_event, has_baseline=has_baseline,
        delivered_wh=np.rint(delivered_wh).astype(np.int64), shifted_wh=np.rint(shifted).astype(np.int64),
        saved_vnd=saved.astype(np.int64),
    )  # fmt: skip


def _without_adjustment(rule: baselines.BaselineParams) -> baselines.BaselineParams:
    weekend = rule.weekend_holiday
    return replace(
        rule,
        adjustment="none",
        weekend_holiday=replace(weekend, adjustment="none") if weekend is not None else None,
    )


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True in `mask`."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def rule_params(*, method: str, parameters: dict) -> baselines.BaselineParams:
    """The engine's rule: a preset by name, with the programme's explicit parameters over it."""
    if method not in baselines.PRESETS:
        raise baselines.BaselineError(f"unknown baseline method {method!r}", code="bad_parameter",
                                      details={"parameter": "method", "value": method})  # fmt: skip
    preset = baselines.PRESETS[method]
    known = {k: v for k, v in parameters.items() if k in baselines.PARAMETER_NAMES}
    if not known:
        return preset
    weekend = preset.weekend_holiday
    return replace(
        preset, **known, weekend_holiday=replace(weekend, **known) if weekend is not None else None
    )
