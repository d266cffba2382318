"""The consumption rule: the energy an account used between two of its register readings (pure numpy, no ORM).

One rule for the bill, the portal's chart and the consumption alerts:

- Each reading *adds* its meter's advance since that meter's previous reading in the account's series:
  (total − previous total, + 10^digits when the reading is flagged as a rollover) × the meter's multiplier.
  The first reading of a meter (a first installation, the new meter of an exchange) adds nothing: it is where
  that meter's count starts. A decrease without a rollover flag adds a negative amount (a misread that a later
  reading corrects cancels out; a period whose sum is negative is not billed).
- The consumption of a period is the sum of what the readings after its *opening* reading, up to and including
  its *closing* reading, add. Periods that share their boundary reading (a bill opens at the previous bill's
  closing reading) therefore count every kWh exactly once, whatever readings lie between them; a meter exchanged
  inside a period counts the old meter up to its last reading and the new meter from its first. Registers
  (peak / normal / off-peak) follow the same rule, without rollover (their registers do not turn over here).
- A month's figure (the chart, the alerts) is the period closed by the month's last reading and opened by the
  last reading before the month, which is the opening of that month's bill when the month before was billed.

Every function takes readings of one or more accounts sorted by (account, day, reading id): `series_order`
gives that order and `series_is_sorted` checks it.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ReadingSeries:
    """Register readings of one or more accounts as columns, sorted by (account, day, reading id)."""

    account: np.ndarray
    meter: np.ndarray
    day: np.ndarray  # day ordinal (`date.toordinal()`)
    reading_id: np.ndarray
    total: np.ndarray
    registers: np.ndarray  # (readings × 3) peak, normal, off-peak; -1 where not recorded
    rollover: np.ndarray  # bool
    digits: np.ndarray
    multiplier: np.ndarray

    def __len__(self) -> int:
        return len(self.account)

    def take(self, index: np.ndarray) -> "ReadingSeries":
        """The readings at `index` (e.g. `series_order(...)`), as a new series."""
        return ReadingSeries(**{name: getattr(self, name)[index] for name in self.__dataclass_fields__})


@dataclass(frozen=True)
class Advances:
    """What each reading of a series adds: kWh, registers, and whether it counts at all."""

    kwh: np.ndarray
    registers: np.ndarray  # (readings × 3)
    registers_known: np.ndarray  # bool: no register figure is missing for this reading's advance
    counted: np.ndarray  # bool: False for a meter's first reading (it only starts that meter's count)


@dataclass(frozen=True)
class PeriodConsumption:
    """Consumption of periods (one row per period): kWh, registers, and what they are made of."""

    kwh: np.ndarray
    registers: np.ndarray  # (periods × 3); meaningful where registers_known
    registers_known: np.ndarray  # bool: every reading of the period carried its registers
    readings_counted: np.ndarray  # how many readings of the period added something


def series_order(*, account: np.ndarray, day: np.ndarray, reading_id: np.ndarray) -> np.ndarray:
    """The permutation that sorts readings by (account, day, reading id), the order every function here needs."""
    return np.lexsort((reading_id, day, account))


def series_is_sorted(*, account: np.ndarray, day: np.ndarray, reading_id: np.ndarray) -> bool:
    """Whether readings are already in (account, day, reading id) order."""
    if len(account) < 2:
        return True
    a0, a1, d0, d1, i0, i1 = account[:-1], account[1:], day[:-1], day[1:], reading_id[:-1], reading_id[1:]
    ordered = (a0 < a1) | ((a0 == a1) & ((d0 < d1) | ((d0 == d1) & (i0 < i1))))
    return bool(ordered.all())


def reading_advances(*, series: ReadingSeries) -> Advances:
    """What each reading adds to its account: its meter's advance since that meter's previous reading (see above)."""
    n = len(series)
    # Group by (account, meter), keeping the series order inside each group: the element before a reading
    # in its group is the previous reading of the same meter on the same account.
    order = np.lexsort((np.arange(n), series.meter, series.account))
    a, m = series.account[order], series.meter[order]
    same = np.r_[False, (a[1:] == a[:-1]) & (m[1:] == m[:-1])]
    previous = np.full(n, -1, dtype=np.int64)
    previous[order[1:][same[1:]]] = order[:-1][same[1:]]
    counted = previous >= 0
    p = np.where(counted, previous, 0)
    wrap = np.where(series.rollover, np.power(10, series.digits.astype(np.int64)), 0)
    multiplier = series.multiplier.astype(np.int64)
    kwh = np.where(counted, (series.total - series.total[p] + wrap) * multiplier, 0)
    regs = series.registers
    known_here = (regs >= 0).all(axis=1)
    registers_known = ~counted | (known_here & known_here[p])
    registers = np.where((counted & registers_known)[:, None], (regs - regs[p]) * multiplier[:, None], 0)
    return Advances(kwh=kwh.astype(np.int64), registers=registers.astype(np.int64), registers_known=registers_known,
                    counted=counted)  # fmt: skip


def consumption_between(*, advances: Advances, opening: np.ndarray, closing: np.ndarray) -> PeriodConsumption:
    """Consumption of each period (opening, closing]: positions of two readings of one account, opening ≤ closing."""
    opening, closing = np.asarray(opening, dtype=np.int64), np.asarray(closing, dtype=np.int64)

    def between(values: np.ndarray) -> np.ndarray:
        running = np.concatenate(
            [np.zeros((1, *values.shape[1:]), dtype=np.int64), np.cumsum(values, axis=0)]
        )
        return running[closing + 1] - running[opening + 1]

    return PeriodConsumption(
        kwh=between(advances.kwh),
        registers=between(advances.registers),
        registers_known=between((~advances.registers_known).astype(np.int64)) == 0,
        readings_counted=between(advances.counted.astype(np.int64)),
    )


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: int) -> dt.date:
    year, month = divmod(int(index), 12)
    return dt.date(year, month + 1, 1)


def _month_of_ordinals(days: np.ndarray) -> np.ndarray:
    if not len(days):
        return np.zeros(0, dtype=np.int64)
    distinct, inverse = np.unique(days, return_inverse=True)
    months = np.array([month_index(dt.date.fromordinal(int(d))) for d in distinct], dtype=np.int64)
    return months[inverse]


@dataclass(frozen=True)
class MonthlyPeriods:
    """The calendar months in which accounts have readings, each as a period of the rule."""

    account: np.ndarray
    month: np.ndarray  # year × 12 + month − 1
    closing: np.ndarray  # position of the month's last reading
    consumption: PeriodConsumption


def consumption_by_month(*, series: ReadingSeries) -> MonthlyPeriods:
    """For each (account, month) with a reading: the period from the last reading before the month to its last one."""
    month = _month_of_ordinals(series.day)
    n = len(series)
    if not n:
        empty = np.zeros(0, dtype=np.int64)
        advances = reading_advances(series=series)
        return MonthlyPeriods(account=empty, month=empty, closing=empty,
                              consumption=consumption_between(advances=advances, opening=empty, closing=empty))  # fmt: skip
    new_account = np.r_[True, series.account[1:] != series.account[:-1]]
    last_of_month = np.r_[(series.account[1:] != series.account[:-1]) | (month[1:] != month[:-1]), True]
    first_of_month = np.r_[True, last_of_month[:-1]]
    closing = np.flatnonzero(last_of_month)
    first = np.flatnonzero(first_of_month)
    # Opened by the reading before the month's first one, or, in an account's first month, by its first reading.
    opening = np.where(new_account[first], first, first - 1)
    advances = reading_advances(series=series)
    return MonthlyPeriods(
        account=series.account[closing], month=month[closing], closing=closing,
        consumption=consumption_between(advances=advances, opening=opening, closing=closing),
    )  # fmt: skip


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


def readings_with_consumption(
    *, series: ReadingSeries, serials: dict[int, str]
) -> list[ReadingWithConsumption]:
    """One account's readings, oldest first, each with what it adds (None for a meter's first reading or a decrease)."""
    advances = reading_advances(series=series)
    return [
        ReadingWithConsumption(
            read_on=dt.date.fromordinal(day), total=total, meter_serial=serials.get(meter, ""),
            consumption_kwh=kwh if counted and kwh >= 0 else None,
        )
        for day, total, meter, kwh, counted in zip(series.day.tolist(), series.total.tolist(), series.meter.tolist(),
                                                   advances.kwh.tolist(), advances.counted.tolist(), strict=True)
    ]  # fmt: skip


def monthly_consumption(
    *, series: ReadingSeries, months: int = 24, until: dt.date | None = None
) -> MonthlyConsumption:
    """One account's kWh per month over the `months` months ending with `until`'s month (default: the last reading's).

    A month without a counted reading, or whose sum is negative (a decrease not yet corrected), has no figure.
    """
    if until is None:
        until = dt.date.fromordinal(int(series.day[-1])) if len(series) else None
    if until is None:
        return MonthlyConsumption(months=[], kwh=[], kwh_year_before=[])
    periods = consumption_by_month(series=series)
    shown = (periods.consumption.readings_counted > 0) & (periods.consumption.kwh >= 0)
    totals = dict(zip(periods.month[shown].tolist(), periods.consumption.kwh[shown].tolist(), strict=True))
    last = month_index(until)
    indexes = range(last - months + 1, last + 1)
    return MonthlyConsumption(
        months=[month_start(i) for i in indexes],
        kwh=[totals.get(i) for i in indexes],
        kwh_year_before=[totals.get(i - 12) for i in indexes],
    )
