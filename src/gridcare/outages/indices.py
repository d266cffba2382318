"""Reads for the reliability dashboard: IEEE 1366 indices of a unit (and the units below it) month by month.

The arithmetic is `outages.reliability` (pure); this module only gathers the recorded interruptions
(`selectors.recorded_interruptions`: restored outages, counted in the local month they started) and the customers
served. Customers served is today's count of contracts not closed in the unit's subtree, used for every month
shown (the number of customers changes slowly; the month's own count is not kept).
"""

import dataclasses
import datetime as dt

from gridcare.org.models import Unit
from gridcare.org.selectors import unit_and_descendants
from gridcare.outages import reliability
from gridcare.outages.selectors import customers_served, recorded_interruptions


@dataclasses.dataclass(frozen=True)
class MonthIndices:
    """A unit's month: indices with and without planned outages (None when the unit serves nobody)."""

    year: int
    month: int
    customers_served: int
    interruptions: int
    with_planned: reliability.Indices | None
    without_planned: reliability.Indices | None
    planned_outages: int
    notice_share: float | None  # planned outages notified ≥ 5 days ahead / planned outages; None without any


def months_ending(*, today: dt.date, count: int) -> list[tuple[int, int]]:
    """The `count` months up to and including today's, oldest first, as (year, month)."""
    key = today.year * 12 + today.month - 1
    return [((k // 12), (k % 12) + 1) for k in range(key - count + 1, key + 1)]


def unit_reliability(*, unit: Unit, months: list[tuple[int, int]]) -> list[MonthIndices]:
    """Indices of the unit and its descendants for each month (the caller checks the user may see the unit)."""
    subtree = list(unit_and_descendants(unit=unit).values_list("pk", flat=True))
    served = customers_served(unit_ids=subtree)
    result = []
    for year, month in months:
        rows = recorded_interruptions(unit_ids=subtree, year=year, month=month)
        planned = [r for r in rows if r.planned]
        share = reliability.share_notified_in_time(days_ahead=[r.notified_days_ahead for r in planned])
        with_planned = without_planned = None
        if served > 0:
            columns = reliability.interruptions_from_records(
                records=[(r.start, r.end, min(r.customers, served), r.planned, unit.pk) for r in rows]
            )
            common = {"duration_s": columns.duration_s, "customers": columns.customers, "planned": columns.planned,
                      "customers_served": served}  # fmt: skip
            with_planned = reliability.indices(**common)
            without_planned = reliability.indices(**common, exclude_planned=True)
        result.append(
            MonthIndices(
                year=year,
                month=month,
                customers_served=served,
                interruptions=len(rows),
                with_planned=with_planned,
                without_planned=without_planned,
                planned_outages=len(planned),
                notice_share=share,
            )  # fmt: skip
        )
    return result
