"""Turns one chunk of accounts' readings into priced bills, as arrays (no ORM, no per-account loop).

The inputs are plain numpy columns loaded by `billing.services` with a fixed number of set-based
queries; the output is the columns of the bills and lines to write, plus the accounts that could not
be billed and why.
"""

from dataclasses import dataclass

import numpy as np

from gridcare.tariffs import engine

SKIP_NO_READING = "no_reading"
SKIP_NO_PREVIOUS = "no_previous_reading"
SKIP_NEGATIVE = "negative_consumption"
SKIP_NO_TARIFF = "no_tariff"


@dataclass(frozen=True)
class ChunkInputs:
    """Accounts (sorted by id) and their readings (sorted by account, date), as arrays."""

    account_id: np.ndarray
    households: np.ndarray
    purpose: np.ndarray  # index into engine.PURPOSES
    voltage: np.ndarray  # index into engine.VOLTAGES
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


def bills_compute(*, inputs: ChunkInputs, period_first: int, period_next: int, catalogue) -> ChunkBills:
    """Pick each account's closing reading in [period_first, period_next) and the reading before it, and price."""
    acc = inputs.account_id
    r_acc, r_day = inputs.reading_account, inputs.reading_day
    in_period = (r_day >= period_first) & (r_day < period_next)
    idx = np.flatnonzero(in_period)
    # The last in-period reading of each account closes its bill.
    if len(idx):
        last_of_account = np.r_[r_acc[idx][1:] != r_acc[idx][:-1], True]
        end = idx[last_of_account]
    else:
        end = idx
    end_acc = r_acc[end]
    prev = end - 1
    has_prev = prev >= 0
    prev_safe = np.where(has_prev, prev, 0)
    has_prev &= (r_acc[prev_safe] == end_acc) & (inputs.reading_meter[prev_safe] == inputs.reading_meter[end])

    skipped_account: list[np.ndarray] = []
    skipped_reason: list[str] = []
    skipped_detail: list[str] = []

    def skip(accounts: np.ndarray, reason: str, details: list[str]) -> None:
        skipped_account.append(accounts)
        skipped_reason.extend([reason] * len(accounts))
        skipped_detail.extend(details)

    without_reading = np.setdiff1d(acc, end_acc, assume_unique=False)
    skip(without_reading, SKIP_NO_READING, [""] * len(without_reading))
    no_prev = end_acc[~has_prev]
    skip(no_prev, SKIP_NO_PREVIOUS, [""] * len(no_prev))

    end, start = end[has_prev], prev[has_prev]
    end_acc = r_acc[end]
    wrap = np.where(inputs.reading_rollover[end], np.power(10, inputs.reading_digits[end], dtype=np.int64), 0)
    multiplier = inputs.reading_multiplier[end]
    kwh = (inputs.reading_total[end] + wrap - inputs.reading_total[start]) * multiplier
    regs_end, regs_start = inputs.reading_registers[end], inputs.reading_registers[start]
    has_regs = ((regs_end >= 0) & (regs_start >= 0)).all(axis=1)
    registers = np.zeros((len(end), 3), dtype=np.int64)
    registers[:, 1] = kwh
    reg_diff = (regs_end - regs_start) * multiplier[:, None]
    registers[has_regs] = reg_diff[has_regs]
    negative = (kwh < 0) | (registers < 0).any(axis=1)
    skip(
        end_acc[negative],
        SKIP_NEGATIVE,
        [f"{a} < {b}" for a, b in zip(inputs.reading_total[end][negative], inputs.reading_total[start][negative], strict=True)],
    )
    keep = ~negative
    end, start, kwh, registers, end_acc = end[keep], start[keep], kwh[keep], registers[keep], end_acc[keep]

    pos = np.searchsorted(acc, end_acc)
    start_day, end_day = r_day[start], r_day[end]
    priced = engine.price_many(
        catalogue=catalogue,
        start=start_day,
        days=end_day - start_day,
        kwh=kwh,
        households=inputs.households[pos],
        purpose=inputs.purpose[pos],
        voltage=inputs.voltage[pos],
        registers=registers,
    )
    unpriced = priced.unpriced.astype(bool)
    skip(end_acc[unpriced], SKIP_NO_TARIFF, [""] * int(unpriced.sum()))
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
        end, start, kwh, end_acc, pos = end[keep], start[keep], kwh[keep], end_acc[keep], pos[keep]
        start_day, end_day = start_day[keep], end_day[keep]

    return ChunkBills(
        account_id=end_acc,
        start_reading=inputs.reading_id[start],
        end_reading=inputs.reading_id[end],
        start_day=start_day,
        end_day=end_day,
        start_index=inputs.reading_total[start],
        end_index=inputs.reading_total[end],
        households=inputs.households[pos],
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
