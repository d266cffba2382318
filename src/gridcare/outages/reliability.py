"""Reliability indices of IEEE 1366 over interruption records (pure numpy, no Django, no ORM).

One rule for the `gridcare reliability` command and the back office's dashboard:

- An interruption lasting **5 minutes or less** (`MOMENTARY_MAX_SECONDS`, the limit included) is *momentary*;
  a longer one is *sustained*.
- SAIFI = Σ customers of sustained interruptions / customers served (interruptions per customer);
  SAIDI = Σ customers × minutes of sustained interruptions / customers served (minutes per customer);
  CAIDI = SAIDI / SAIFI = customer minutes / customers interrupted (minutes per interruption), **None** when
  nothing was sustained (0 / 0 has no meaning, and a 0 would read as "restored at once");
  MAIFI = Σ customers of momentary interruptions / customers served.
- `customers_interrupted` counts customer interruptions of sustained interruptions (a customer interrupted twice
  counts twice: the records carry counts, not who), `customer_minutes` their customer minutes. Momentary
  interruptions add nothing to either; they count only in MAIFI.
- Planned interruptions are included unless excluded; the back office reports both.
- An interruption is counted whole in the **month it started** (local time, Asia/Ho_Chi_Minh), even when it
  ends in the next month: a 23:00 31 January – 02:00 1 February outage is 180 minutes of January.

Durations are whole seconds (int64) so that "exactly 5 minutes" is exact; indices are floats, not rounded.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

MOMENTARY_MAX_SECONDS = 5 * 60
BUSINESS_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOTICE_DAYS = 5  # Circular 22/2020/TT-BCT: a planned outage is announced at least 5 days ahead


class InvalidInterruptions(ValueError):
    """The records cannot give indices (a negative duration or count, no customers served)."""


@dataclass(frozen=True)
class Indices:
    """IEEE 1366 indices of a set of interruptions over a number of customers served."""

    customers_served: int
    customers_interrupted: int  # Σ customers of sustained interruptions
    customer_minutes: float  # Σ customers × minutes of sustained interruptions
    momentary_interruptions: int  # Σ customers of momentary interruptions
    interruptions: int  # records counted (sustained and momentary)
    saifi: float
    saidi: float
    caidi: float | None
    maifi: float

    def as_dict(self) -> dict:
        """The command's JSON object: customer minutes as an int when whole, CAIDI None when nothing sustained."""
        minutes = self.customer_minutes
        return {
            "customers_interrupted": self.customers_interrupted,
            "customer_minutes": int(minutes) if float(minutes).is_integer() else minutes,
            "SAIFI": self.saifi,
            "SAIDI": self.saidi,
            "CAIDI": self.caidi,
            "MAIFI": self.maifi,
        }


@dataclass(frozen=True)
class Interruptions:
    """Interruption records as columns: one row per interruption."""

    duration_s: np.ndarray  # int64, whole seconds
    customers: np.ndarray  # int64, customers interrupted
    planned: np.ndarray  # bool
    unit: np.ndarray  # int64, the unit the interruption belongs to (0 when not grouped)
    month: np.ndarray  # int64, year × 12 + month − 1 of the local start

    def __len__(self) -> int:
        return len(self.duration_s)


@dataclass(frozen=True)
class UnitMonth:
    """One unit's indices for one month: all interruptions, and without the planned ones."""

    unit: int
    year: int
    month: int
    customers_served: int
    with_planned: Indices
    without_planned: Indices


def month_key(*, start: dt.datetime) -> int:
    """The month an interruption is counted in: that of its start in local time, as year × 12 + month − 1."""
    if start.tzinfo is not None:
        start = start.astimezone(BUSINESS_TIMEZONE)
    return start.year * 12 + start.month - 1


def interruptions_from_records(*, records: Iterable[tuple]) -> Interruptions:
    """Columns from `(start, end, customers, planned, unit)` tuples; naive datetimes are local time."""
    rows = list(records)
    duration, customers, planned, unit, month = [], [], [], [], []
    for start, end, count, is_planned, unit_id in rows:
        if (start.tzinfo is None) != (end.tzinfo is None):
            raise InvalidInterruptions("start and end must both be aware or both be naive")
        span = end - start
        duration.append(span.days * 86_400 + span.seconds)  # microseconds dropped: records are to the second
        customers.append(count)
        planned.append(bool(is_planned))
        unit.append(unit_id or 0)
        month.append(month_key(start=start))
    return Interruptions(
        duration_s=np.asarray(duration, dtype=np.int64),
        customers=np.asarray(customers, dtype=np.int64),
        planned=np.asarray(planned, dtype=bool),
        unit=np.asarray(unit, dtype=np.int64),
        month=np.asarray(month, dtype=np.int64),
    )


def _check(*, duration_s: np.ndarray, customers: np.ndarray, customers_served: int) -> None:
    if customers_served <= 0:
        raise InvalidInterruptions("customers served must be at least 1")
    if len(duration_s) != len(customers):
        raise InvalidInterruptions("durations and customer counts differ in length")
    if len(duration_s) and int(duration_s.min()) < 0:
        raise InvalidInterruptions("an interruption ends before it starts")
    if len(customers) and int(customers.min()) < 0:
        raise InvalidInterruptions("a customer count is negative")


def indices(
    *,
    duration_s: np.ndarray,
    customers: np.ndarray,
    customers_served: int,
    planned: np.ndarray | None = None,
    exclude_planned: bool = False,
) -> Indices:
    """SAIFI, SAIDI, CAIDI and MAIFI of interruptions (durations in seconds) over `customers_served` customers."""
    duration_s = np.asarray(duration_s, dtype=np.int64)
    customers = np.asarray(customers, dtype=np.int64)
    _check(duration_s=duration_s, customers=customers, customers_served=customers_served)
    if exclude_planned and planned is not None:
        keep = ~np.asarray(planned, dtype=bool)
        duration_s, customers = duration_s[keep], customers[keep]
    sustained = duration_s > MOMENTARY_MAX_SECONDS
    interrupted = int(customers[sustained].sum())
    customer_seconds = int((customers[sustained] * duration_s[sustained]).sum())
    momentary = int(customers[~sustained].sum())
    customer_minutes = customer_seconds / 60
    return Indices(
        customers_served=customers_served,
        customers_interrupted=interrupted,
        customer_minutes=customer_minutes,
        momentary_interruptions=momentary,
        interruptions=len(duration_s),
        saifi=interrupted / customers_served,
        saidi=customer_minutes / customers_served,
        caidi=customer_minutes / interrupted if interrupted else None,
        maifi=momentary / customers_served,
    )


def indices_per_unit_month(
    *, interruptions: Interruptions, customers_served: Mapping[int, int]
) -> list[UnitMonth]:
    """Indices per (unit, month) that has interruptions, with and without planned ones, ordered by unit then month.

    `customers_served` maps a unit to the customers it serves; a unit missing from it (or serving none) is left
    out, since its indices have no denominator.
    """
    result = []
    if not len(interruptions):
        return result
    keys = np.stack([interruptions.unit, interruptions.month], axis=1)
    groups, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(groups) + 1))
    for g, (unit, month) in enumerate(groups.tolist()):
        served = int(customers_served.get(unit, 0))
        if served <= 0:
            continue
        rows = order[bounds[g] : bounds[g + 1]]
        columns = {
            "duration_s": interruptions.duration_s[rows],
            "customers": interruptions.customers[rows],
            "planned": interruptions.planned[rows],
            "customers_served": served,
        }
        result.append(
            UnitMonth(
                unit=unit,
                year=month // 12,
                month=month % 12 + 1,
                customers_served=served,
                with_planned=indices(**columns),
                without_planned=indices(**columns, exclude_planned=True),
            )  # fmt: skip
        )
    return result


def notified_in_time(*, published_at: dt.datetime, start: dt.datetime) -> bool:
    """Whether a planned outage was announced at least `NOTICE_DAYS` days (5 × 24 h) before it started."""
    return start - published_at >= dt.timedelta(days=NOTICE_DAYS)


def notice_share(*, published_at: Iterable[dt.datetime | None], start: Iterable[dt.datetime]) -> float | None:
    """The share (0–1) of planned outages announced ≥ 5 days ahead; never announced counts as late; None if none."""
    pairs = list(zip(published_at, start, strict=True))
    if not pairs:
        return None
    in_time = sum(1 for p, s in pairs if p is not None and notified_in_time(published_at=p, start=s))
    return in_time / len(pairs)


def share_notified_in_time(*, days_ahead: Iterable[float | None]) -> float | None:
    """The share (0–1) of planned outages whose notice came ≥ 5 days before the start; None (never told) is late."""
    values = list(days_ahead)
    if not values:
        return None
    return sum(1 for d in values if d is not None and d >= NOTICE_DAYS) / len(values)
