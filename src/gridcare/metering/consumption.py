"""Reads of an account's consumption: register readings with the energy used since the previous one.

Consumption of a reading = (index − previous index of the same meter) × multiplier, plus 10^digits
when the reading is flagged as a rollover. The first reading of a meter has no consumption (the
period before it belongs to another meter or to the installation). A period is counted in the month
of the reading that closes it, which is how monthly bills are dated.
"""

import datetime as dt
from dataclasses import dataclass

from gridcare.customers.models import Account
from gridcare.metering.models import Meter, MeterInstallation, Reading


@dataclass(frozen=True)
class ReadingWithConsumption:
    read_on: dt.date
    total: int
    consumption_kwh: int | None
    meter_serial: str


@dataclass(frozen=True)
class MonthlyConsumption:
    """kWh per calendar month (first day of each month), with the same month a year earlier."""

    months: list[dt.date]
    kwh: list[int | None]
    kwh_year_before: list[int | None]


def current_meter(*, account: Account, today: dt.date) -> Meter | None:
    """The meter installed for the account on `today` (the latest installation when several)."""
    installation = (
        MeterInstallation.objects.select_related("meter")
        .filter(account=account, installed_on__lte=today)
        .exclude(removed_on__lte=today)
        .order_by("-installed_on", "-pk")
        .first()
    )
    return installation.meter if installation is not None else None


def readings_with_consumption(*, account: Account) -> list[ReadingWithConsumption]:
    """Every register reading of the account, oldest first, each with the energy of its period (one query)."""
    rows = (
        Reading.objects.filter(account=account)
        .order_by("read_on", "pk")
        .values_list("meter_id", "meter__serial", "meter__register_digits", "meter__multiplier", "read_on", "total", "rollover")
    )
    previous_total: dict[int, int] = {}
    result = []
    for meter_id, serial, digits, multiplier, read_on, total, rollover in rows:
        before = previous_total.get(meter_id)
        consumption = None
        if before is not None:
            delta = total - before + (10**digits if rollover else 0)
            # A decrease without a rollover flag is not plausible: show no figure rather than a wrong one.
            consumption = delta * multiplier if delta >= 0 else None
        previous_total[meter_id] = total
        result.append(ReadingWithConsumption(read_on=read_on, total=total, consumption_kwh=consumption, meter_serial=serial))
    return result


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> dt.date:
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, 1)


def monthly_consumption(
    *, readings: list[ReadingWithConsumption], months: int = 24, until: dt.date | None = None
) -> MonthlyConsumption:
    """Sum consumption per month over the `months` months ending with `until`'s month (default: the last reading's)."""
    if until is None:
        until = readings[-1].read_on if readings else None
    if until is None:
        return MonthlyConsumption(months=[], kwh=[], kwh_year_before=[])
    last = _month_index(until)
    first = last - months + 1
    totals: dict[int, int] = {}
    for reading in readings:
        if reading.consumption_kwh is None:
            continue
        index = _month_index(reading.read_on)
        if first - 12 <= index <= last:
            totals[index] = totals.get(index, 0) + reading.consumption_kwh
    indexes = range(first, last + 1)
    return MonthlyConsumption(
        months=[_month_start(i) for i in indexes],
        kwh=[totals.get(i) for i in indexes],
        kwh_year_before=[totals.get(i - 12) for i in indexes],
    )
