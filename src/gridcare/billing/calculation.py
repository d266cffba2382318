"""Turns one chunk of accounts' readings into priced bills, as arrays (no ORM, no per-account loop).

The inputs are plain numpy columns loaded by `billing.services` with a fixed number of set-based
queries; the output is the columns of the bills and lines to write, plus the accounts that could not
be billed and why.
"""

from dataclasses import dataclass

import numpy as np

from gridcare.metering import consumption
from gridcare.tariffs import engine

SKIP_NO_READING = "no_reading"
SKIP_NO_PREVIOUS = "no_previous_reading"
SKIP_NEGATIVE = "negative_consumption"
SKIP_NO_TARIFF = "no_tariff"


@dataclass(frozen=True)
class ChunkInputs:
    """Accounts and their readings, as arrays; `bills_compute` puts both in the order it needs.

    Per account, where its bill opens: `previous_bill` says it has a standing invoice of an earlier period, whose
    closing reading (`opening_reading`, -1 if the bill names none), day and index open this one. Without one, the
    bill opens at the account's first reading. The readings must start at that opening (those of its day included).
    """

    account_id: np.ndarray
    households: np.ndarray
    purpose: np.ndarray  # index into engine.PURPOSES
    voltage: np.ndarray  # index into engine.VOLTAGES
    previous_bill: np.ndarray  # bool
    opening_reading: np.ndarray
    opening_day: np.ndarray
    opening_total: np.ndarray
    reading_id: np.ndarray
    reading_account: np.ndarray
    reading_meter: np.ndarray
    reading_day: np.ndarray  # day ordinal
    reading_total: np.ndarray
    reading_registers: np.ndarray  # (readings × 3) peak, normal, off-peak; -1 where not recorded
    reading_rollover: np.ndarray  # bool
    reading_digits: np.ndarray
    reading_multiplier: np.ndarray


@dataclass(frozen=True)
class ChunkBills:
    """Priced bills (row i is account `account_id[i]`), their lines, and the accounts skipped."""

    account_id: np.ndarray
    start_reading: np.ndarray
    end_reading: np.ndarray
    start_day: np.ndarray
    end_day: np.ndarray
    start_index: np.ndarray
    end_index: np.ndarray
    households: np.ndarray
    kwh: np.ndarray
    subtotal: np.ndarray
    vat: np.ndarray
    total: np.ndarray
    lines: engine.PricedAccounts  # line_account indexes rows of this object
    skipped_account: np.ndarray
    skipped_reason: list[str]
    skipped_detail: list[str]


def _sorted_inputs(inputs: ChunkInputs) -> ChunkInputs:
    """The inputs with accounts sorted by id and readings by (account, day, id): the order the arrays rely on."""
    fields = {name: getattr(inputs, name) for name in ChunkInputs.__dataclass_fields__}
    if len(inputs.account_id) > 1 and not (np.diff(inputs.account_id) > 0).all():
        by_id = np.argsort(inputs.account_id, kind="stable")
        for name in ("account_id", "households", "purpose", "voltage", "previous_bill", "opening_reading",
                     "opening_day", "opening_total"):  # fmt: skip
            fields[name] = fields[name][by_id]
    if not consumption.series_is_sorted(account=inputs.reading_account, day=inputs.reading_day,
                                        reading_id=inputs.reading_id):  # fmt: skip
        order = consumption.series_order(account=inputs.reading_account, day=inputs.reading_day,
                                         reading_id=inputs.reading_id)  # fmt: skip
        for name in fields:
            if name.startswith("reading_"):
                fields[name] = fields[name][order]
    # Readings of accounts not in the chunk play no part.
    ours = np.isin(fields["reading_account"], fields["account_id"])
    if not ours.all():
        for name in fields:
            if name.startswith("reading_"):
                fields[name] = fields[name][ours]
    return ChunkInputs(**fields)


def bills_compute(
    *, inputs: ChunkInputs, period_first: int, period_next: int, catalogue, cutover: bool = False
) -> ChunkBills:
    """Bill each account from its opening reading to its last reading in [period_first, period_next), and price.

    The energy is `metering.consumption`'s rule: what every reading after the opening one adds, rollovers and
    meter exchanges included. The opening is the previous standing bill's closing reading, with that bill's
    closing index (so consecutive bills chain), or for a first bill the account's first reading — at a `cutover`
    (the previous system billed up to the last reading before the period) the last reading before the period.
    """
    inputs = _sorted_inputs(inputs)
    acc = inputs.account_id
    r_acc, r_day, r_id = inputs.reading_account, inputs.reading_day, inputs.reading_id
    pos = np.searchsorted(acc, r_acc)  # every reading is of a chunk account (see `_sorted_inputs`)
    index = np.arange(len(r_acc))

    # The closing reading: the account's last reading in the period.
    closing = np.full(len(acc), -1, dtype=np.int64)
    in_period = (r_day >= period_first) & (r_day < period_next)
    np.maximum.at(closing, pos[in_period], index[in_period])
    # The opening reading: the previous bill's closing one (found by id, or the last of its day if it names none),
    # else the account's first reading.
    previous = inputs.previous_bill.astype(bool)
    opening = np.full(len(acc), -1, dtype=np.int64)
    wanted = inputs.opening_reading[pos]
    is_opening = previous[pos] & (r_day == inputs.opening_day[pos]) & ((wanted < 0) | (r_id == wanted))
    np.maximum.at(opening, pos[is_opening], index[is_opening])
    first = np.full(len(acc), len(r_acc), dtype=np.int64)
    np.minimum.at(first, pos, index)
    if cutover:
        before = np.full(len(acc), -1, dtype=np.int64)
        np.maximum.at(before, pos[r_day < period_first], index[r_day < period_first])
        first = np.where(before >= 0, before, first)
    opening = np.where(previous, opening, np.where(first < len(r_acc), first, -1))

    total = inputs.reading_total.copy()
    substitute = previous & (opening >= 0)
    total[opening[substitute]] = inputs.opening_total[substitute]
    series = consumption.ReadingSeries(
        account=r_acc, meter=inputs.reading_meter, day=r_day, reading_id=r_id, total=total,
        registers=inputs.reading_registers, rollover=inputs.reading_rollover.astype(bool),
        digits=inputs.reading_digits, multiplier=inputs.reading_multiplier,
    )  # fmt: skip

    skipped_account: list[np.ndarray] = []
    skipped_reason: list[str] = []
    skipped_detail: list[str] = []

    def skip(rows: np.ndarray, reason: str, details: list[str] | None = None) -> None:
        skipped_account.append(acc[rows])
        skipped_reason.extend([reason] * len(rows))
        skipped_detail.extend(details if details is not None else [""] * len(rows))

    without_reading = closing < 0
    skip(np.flatnonzero(without_reading), SKIP_NO_READING)
    lost_opening = ~without_reading & previous & (opening < 0)
    skip(np.flatnonzero(lost_opening), SKIP_NO_PREVIOUS,
         [f"#{int(r)}" for r in inputs.opening_reading[lost_opening]])  # the previous bill's closing reading is gone  # fmt: skip
    only_first = ~without_reading & ~previous & (closing <= opening)
    skip(np.flatnonzero(only_first), SKIP_NO_PREVIOUS)
    # A previous bill that closed on or after this period's last reading leaves nothing to bill.
    nothing_new = ~without_reading & previous & (opening >= 0) & (closing <= opening)
    skip(np.flatnonzero(nothing_new), SKIP_NO_READING)
    rows = np.flatnonzero(~(without_reading | lost_opening | only_first | nothing_new))

    start, end = opening[rows], closing[rows]
    used = consumption.consumption_between(advances=consumption.reading_advances(series=series), opening=start,
                                           closing=end)  # fmt: skip
    kwh = used.kwh
    registers = np.zeros((len(rows), 3), dtype=np.int64)
    registers[:, 1] = kwh
    registers[used.registers_known] = used.registers[used.registers_known]
    negative = (kwh < 0) | (registers < 0).any(axis=1)
    skip(rows[negative], SKIP_NEGATIVE,
         [f"{a} < {b}" for a, b in zip(total[end][negative], total[start][negative], strict=True)])  # fmt: skip
    keep = ~negative
    rows, start, end, kwh, registers = rows[keep], start[keep], end[keep], kwh[keep], registers[keep]

    start_day, end_day = r_day[start], r_day[end]
    priced = engine.price_many(
        catalogue=catalogue,
        start=start_day,
        days=end_day - start_day,
        kwh=kwh,
        households=inputs.households[rows],
        purpose=inputs.purpose[rows],
        voltage=inputs.voltage[rows],
        registers=registers,
    )
    unpriced = priced.unpriced.astype(bool)
    skip(rows[unpriced], SKIP_NO_TARIFF)
    if unpriced.any():
        # Renumber the priced rows so that line_account indexes the kept bills.
        keep_rows = np.flatnonzero(~unpriced)
        new_index = np.full(len(unpriced), -1, dtype=np.int64)
        new_index[keep_rows] = np.arange(len(keep_rows))
        line_keep = ~unpriced[priced.line_account]
        fields = {name: getattr(priced, name)[line_keep] for name in engine.PricedAccounts.__dataclass_fields__
                  if name.startswith("line_")}  # fmt: skip
        fields["line_account"] = new_index[fields["line_account"]]
        priced = engine.PricedAccounts(
            **fields,
            subtotal=priced.subtotal[keep_rows],
            vat=priced.vat[keep_rows],
            total=priced.total[keep_rows],
            unpriced=priced.unpriced[keep_rows],
        )
        keep = ~unpriced
        rows, start, end, kwh = rows[keep], start[keep], end[keep], kwh[keep]
        start_day, end_day = start_day[keep], end_day[keep]

    return ChunkBills(
        account_id=acc[rows],
        start_reading=r_id[start],
        end_reading=r_id[end],
        start_day=start_day,
        end_day=end_day,
        start_index=total[start],
        end_index=total[end],
        households=inputs.households[rows],
        kwh=kwh,
        subtotal=priced.subtotal,
        vat=priced.vat,
        total=priced.total,
        lines=priced,
        skipped_account=np.concatenate(skipped_account) if skipped_account else np.zeros(0, dtype=np.int64),
        skipped_reason=skipped_reason,
        skipped_detail=skipped_detail,
    )


def shock_flags(
    *, total: np.ndarray, last_month: np.ndarray, last_year: np.ndarray, threshold_percent: int
) -> tuple[np.ndarray, np.ndarray]:
    """Which bills rose by ≥ threshold against last month's or last year's same-month bill (0 = no such bill).

    Returns (held, rise_percent) where rise_percent is the larger of the two rises, rounded down.
    """

    def rise(previous: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(previous > 0, (total - previous) * 100 // np.maximum(previous, 1), -(10**9))
        return r

    r_month, r_year = rise(last_month), rise(last_year)
    held = (r_month >= threshold_percent) | (r_year >= threshold_percent)
    return held, np.maximum(r_month, r_year)
