"""Measuring an event: interval data of every participant as one array, the baseline engine, delivered and shifted load.

Thin adapter between the database and the pure engine `gridcare.flexibility.baselines`: loads come in as
participants × days × 48 half-hours (Wh, NaN where missing), the engine gives each participant's baseline for a
window of the event day, and the arithmetic here turns both into delivered energy, energy moved into off-peak
hours and the time-of-use money that moving saved.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np

INTERVALS_PER_DAY = 48


@dataclass(frozen=True)
class Measured:
    """Per participant (rows) and interval of the event day (columns, 48): baseline and actual Wh; totals."""

    baseline_wh: np.ndarray  # participants × 48, float, NaN where no baseline
    actual_wh: np.ndarray  # participants × 48, float, NaN where missing
    in_event: np.ndarray  # 48 bools
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
) -> Measured:
    """Baselines and results of every participant for an event on the last of `days`, in half-hours [start, end).

    `loads`: participants × len(days) × 48 Wh (NaN = missing); `periods`: the time-of-use period of each of the
    event day's 48 half-hours; `prices`: participants × 3 (peak, normal, offpeak VND/kWh, before VAT).
    """
    n = loads.shape[0]
    actual = loads[:, -1, :]
    baseline = np.full((n, INTERVALS_PER_DAY), np.nan)
    in_event = np.zeros(INTERVALS_PER_DAY, bool)
    in_event[start_interval:end_interval] = True
    offpeak = np.array([p == "offpeak" for p in periods])
    # The event window, then the rest of the day in runs (the chart's baseline; off-peak runs give the shift).
    windows = [(start_interval, end_interval), *_runs(~in_event)]
    for a, b in windows:
        baseline[:, a:b] = baselines_for_window(
            loads=loads, days=days, start_interval=a, end_interval=b, method=method, parameters=parameters,
            holidays=holidays, excluded=excluded,
        )  # fmt: skip
    has_baseline = ~np.isnan(baseline[:, start_interval:end_interval]).any(axis=1)
    has_baseline &= ~np.isnan(actual[:, start_interval:end_interval]).any(axis=1)
    reduced = np.where(in_event, baseline - actual, 0.0)
    delivered = np.where(has_baseline, np.nansum(reduced, axis=1), 0.0)
    extra = np.where(offpeak & ~in_event, actual - baseline, 0.0)
    shifted = np.where(has_baseline, np.maximum(np.nansum(extra, axis=1), 0.0), 0.0)
    period_index = np.array([{"peak": 0, "normal": 1, "offpeak": 2}.get(p or "normal", 1) for p in periods])
    price_per_interval = prices[:, period_index]  # participants × 48
    # Money saved by shifting: the energy not drawn in the event window at that hour's price, less the extra
    # off-peak energy at the off-peak price; rounded once, to the đồng.
    saved = np.nansum(reduced * price_per_interval, axis=1) / 1000 - shifted * prices[:, 2] / 1000
    saved = np.where(has_baseline, np.rint(saved), 0)
    return Measured(
        baseline_wh=baseline, actual_wh=actual, in_event=in_event, has_baseline=has_baseline,
        delivered_wh=np.rint(delivered).astype(np.int64), shifted_wh=np.rint(shifted).astype(np.int64),
        saved_vnd=saved.astype(np.int64),
    )  # fmt: skip


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True in `mask`."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def baselines_for_window(
    *, loads: np.ndarray, days: list[dt.date], start_interval: int, end_interval: int, method: str,
    parameters: dict, holidays: list[dt.date], excluded: list[dt.date],
) -> np.ndarray:  # fmt: skip
    """Each participant's baseline (Wh per half-hour) over [start, end) of the last day; NaN rows: no baseline.

    Interim day-matching (the mean of the last `y_days` eligible days of the event day's kind) until the engine
    `gridcare.flexibility.baselines` is merged; the call keeps its shape.
    """
    y_days = int(parameters.get("y_days", 10))
    min_days = int(parameters.get("min_days", 5))
    skip = set(holidays) | set(excluded)
    event_day = days[-1]

    def kind(day: dt.date) -> bool:
        return day.weekday() >= 5 or day in holidays

    candidates = [i for i, d in enumerate(days[:-1]) if d not in skip and kind(d) == kind(event_day)][::-1]
    window = loads[:, candidates, start_interval:end_interval]  # participants × candidates × k
    complete = ~np.isnan(loads[:, candidates, :]).any(axis=2)  # a day with any missing half-hour is not eligible
    order = np.cumsum(complete, axis=1)
    chosen = complete & (order <= y_days)
    count = chosen.sum(axis=1)
    total = np.where(chosen[:, :, None], np.nan_to_num(window), 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count[:, None]
    mean[count < min_days] = np.nan
    return mean
