"""Demo 30-minute data for the portal's daily and 30-minute charts: the household login's smart meter and the
business login's time-of-use meter get recent weeks of half-hourly energy when they have none.

Large customers already have interval data from the generator (`services._interval_readings`); households have
none there, so the household login's meter gets a home's shape (morning and evening peaks, air conditioning at
night) scaled to its latest monthly consumption. Inserts are one `bulk_create` per meter.
"""

import datetime as dt

import numpy as np
from django.db import transaction

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.metering.models import IntervalReading, Meter, MeterInstallation, Reading

from .selectors import demo_login_accounts

# Share of a day's energy per hour of the day (local time), before normalising to 1.
HOME_SHAPE = np.repeat(
    [
        0.9,
        0.85,
        0.8,
        0.8,
        0.8,
        0.9,
        1.2,
        1.3,
        0.9,
        0.7,
        0.7,
        0.8,
        1.0,
        0.9,
        0.7,
        0.7,
        0.8,
        1.1,
        1.6,
        1.8,
        1.7,
        1.5,
        1.3,
        1.1,
    ],
    2,
)
SHOP_SHAPE = np.repeat(
    [
        0.3,
        0.3,
        0.3,
        0.3,
        0.3,
        0.4,
        0.6,
        1.0,
        1.4,
        1.6,
        1.7,
        1.6,
        1.4,
        1.5,
        1.6,
        1.6,
        1.5,
        1.4,
        1.5,
        1.6,
        1.2,
        0.8,
        0.5,
        0.35,
    ],
    2,
)


def _latest_monthly_kwh(account_id: int) -> float | None:
    totals = list(
        Reading.objects.filter(account_id=account_id)
        .order_by("-read_on", "-pk")
        .values_list("read_on", "total")[:2]
    )
    if len(totals) < 2 or totals[0][1] <= totals[1][1]:
        return None
    (last_day, last), (first_day, first) = totals
    return (last - first) * 30 / max((last_day - first_day).days, 1)


def _half_hours(
    *, monthly_kwh: float, shape: np.ndarray, first: dt.date, days: int, sunday_factor: float, seed: int
) -> np.ndarray:
    """Wh per half-hour for `days` days from `first`: the shape scaled to the month, a weekly rhythm and noise."""
    rng = np.random.default_rng(seed)
    daily_wh = monthly_kwh / 30 * 1000
    weekday = np.array([(first + dt.timedelta(days=d)).weekday() for d in range(days)])
    factor = np.where(weekday == 6, sunday_factor, 1.0)[:, None] * (1 + 0.15 * rng.standard_normal((days, 1)))
    wh = (
        daily_wh
        * shape[None, :]
        / shape.sum()
        * np.clip(factor, 0.4, 1.6)
        * np.exp(0.1 * rng.standard_normal((days, 48)))
    )
    return np.maximum(np.rint(wh), 0).astype(np.int64).reshape(-1)


@transaction.atomic
def demo_interval_usage_load(*, today: dt.date, seed: int, days: int = 60) -> int:
    """Give the demo logins' meters 30-minute data for the `days` days before `today`; returns the rows written."""
    written = 0
    first = today - dt.timedelta(days=days)
    start = dt.datetime.combine(first, dt.time(0, 0), tzinfo=BUSINESS_TZ)
    for index, (label, account) in enumerate(demo_login_accounts().items()):
        if account is None or days <= 0:
            continue
        installation = (
            MeterInstallation.objects.filter(account=account, removed_on__isnull=True)
            .select_related("meter")
            .first()
        )
        if installation is None or installation.meter.kind != Meter.Kind.SMART:
            continue
        if IntervalReading.objects.filter(meter_id=installation.meter_id, start__gte=start).exists():
            continue
        business = label == "business"
        monthly = _latest_monthly_kwh(account.pk) or (3000 if business else 220)
        wh = _half_hours(
            monthly_kwh=monthly, shape=SHOP_SHAPE if business else HOME_SHAPE, first=first, days=days,
            sunday_factor=0.6 if business else 1.1, seed=seed * 100 + index,
        )  # fmt: skip
        IntervalReading.objects.bulk_create(
            (IntervalReading(meter_id=installation.meter_id, start=start + dt.timedelta(minutes=30 * i), energy_wh=int(v))
             for i, v in enumerate(wh)),
            batch_size=5000,
        )  # fmt: skip
        written += len(wh)
    return written
