"""The pricing engine: prices a consumption period exactly as EVN bills it. Pure: no Django, no ORM.

Two entry points apply the same rules:

- `price_one` prices one account in plain Python integers (the `gridcare quote` command, explanations);
- `price_many` prices arrays of accounts with numpy int64 arithmetic (bill runs), in
  O(accounts × parts × tiers) array operations and no per-account Python loop.

The rules (EVN's published method, /work/shared/domain/tariffs-and-billing.md):

- A period is [start, end) in days: `T = (end − start).days`. It is split into parts wherever the tariff
  version of the account's purpose or the VAT rate changes; each part [from, to) has `N = (to − from).days`.
- Consumption `S` is split by days, part after part: the first part gets `round(S × N₁ / T)`, and what is
  left is split the same way over the remaining days (the last part gets the rest). With two parts this is
  EVN's `kWh_old = round(S × Nc / T)`, `kWh_new = S − kWh_old`; with more, the parts still add up to `S`
  and each part's kWh never decreases when `S` increases (so neither does the bill). Time-of-use registers
  are split the same way, register by register.
- Every monthly per-household tier limit `L` is prorated per part: `round(L × N / D × h)`, where `h` is the
  number of households and `D` is the version's divisor: 30, or the number of days of the calendar month
  before the month of the period's `end` (the reading date).
- Each part is priced tier by tier (or register by register at its voltage's prices) with the prices of its
  version; a line's amount is `kWh × unit price` (exact, whole đồng).
- subtotal = Σ line amounts; VAT = Σ over the distinct rates of the period of
  `round(subtotal at that rate × rate)` (one rate: `round(subtotal × rate)`); total = subtotal + VAT.

**Rounding (the one rule, used everywhere above):** half-up on non-negative quantities — a remainder of
exactly one half rounds up, as Excel's ROUND in EVN's worksheets does; never banker's rounding. It is
computed exactly in integers, `round(a / b) = (2a + b) // (2b)`, so no float ever touches kWh or money.
Rates are held in basis points (8% = 800) so VAT is `round(subtotal × bp / 10000)` by the same rule.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

# Codes are indexes (the bill run and the demo store them): a new purpose is appended, never inserted.
PURPOSES = ("residential", "business", "production", "administrative", "public_service")
VOLTAGES = ("ge110kv", "22to110kv", "6to22kv", "lt6kv")
PERIODS = ("peak", "normal", "offpeak")
TIERED = "tiered"
TIME_OF_USE = "time_of_use"
DIVISOR_PRECEDING_MONTH = 0
_NO_LIMIT = -1
_FAR_PAST = -(2**40)
_FAR_FUTURE = 2**40


class PricingError(ValueError):
    """A consumption that cannot be priced; `code` is stable, the details are in attributes."""

    code = "pricing_error"


class InvalidPeriod(PricingError):
    code = "invalid_period"


class InvalidConsumption(PricingError):
    code = "invalid_consumption"


class NoTariff(PricingError):
    """No tariff version (or no price for the voltage) for `purpose` on `day`."""

    code = "no_tariff"

    def __init__(self, *, purpose: str, day: dt.date, voltage: str | None = None):
        super().__init__(f"no tariff for {purpose} {voltage or ''} on {day.isoformat()}")
        self.purpose, self.day, self.voltage = purpose, day, voltage


class NoVatRate(PricingError):
    code = "no_vat_rate"

    def __init__(self, *, day: dt.date):
        super().__init__(f"no VAT rate on {day.isoformat()}")
        self.day = day


def round_half_up(numerator: int, denominator: int) -> int:
    """round(numerator / denominator), half-up, for non-negative integers (the engine's one rounding rule)."""
    return (2 * numerator + denominator) // (2 * denominator)


def _round_half_up_array(numerator: np.ndarray, denominator: np.ndarray | int) -> np.ndarray:
    return (2 * numerator + denominator) // (2 * denominator)


# --- catalogue ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One tariff version: tiers `(monthly limit per household or None for the last, price)`, or TOU prices."""

    purpose: str
    method: str
    decision: str
    active_from: dt.date
    active_to: dt.date | None = None
    divisor: int = 30
    tiers: tuple[tuple[int | None, int], ...] = ()
    tou_prices: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def __post_init__(self):
        if self.method == TIERED:
            if (
                not self.tiers
                or self.tiers[-1][0] is not None
                or any(lim is None for lim, _ in self.tiers[:-1])
            ):
                raise ValueError(f"{self.decision}: every tier but the last needs a limit, the last none")
        elif self.method != TIME_OF_USE:
            raise ValueError(f"unknown method {self.method!r}")

    def covers(self, day: dt.date) -> bool:
        return self.active_from <= day and (self.active_to is None or day < self.active_to)


@dataclass(frozen=True)
class VatRate:
    active_from: dt.date
    active_to: dt.date | None
    basis_points: int

    def covers(self, day: dt.date) -> bool:
        return self.active_from <= day and (self.active_to is None or day < self.active_to)


@dataclass(frozen=True)
class Catalogue:
    """The tariff catalogue as plain data (built from the database by a selector, or by hand in tests)."""

    versions: tuple[Version, ...]
    vat_rates: tuple[VatRate, ...]

    def version_on(self, *, purpose: str, day: dt.date) -> Version | None:
        return next((v for v in self.versions if v.purpose == purpose and v.covers(day)), None)

    def vat_on(self, *, day: dt.date) -> VatRate | None:
        return next((r for r in self.vat_rates if r.covers(day)), None)


def preceding_month_days(end: dt.date) -> int:
    """Days of the calendar month before the month of `end`."""
    year, month = (end.year, end.month - 1) if end.month > 1 else (end.year - 1, 12)
    return calendar.monthrange(year, month)[1]


# --- one account ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    start: dt.date
    end: dt.date
    tier: int | None
    period: str | None
    limit_kwh: int | None
    kwh: int
    unit_price: int
    amount: int


@dataclass(frozen=True)
class VatPart:
    start: dt.date
    end: dt.date
    basis_points: int
    subtotal: int


@dataclass(frozen=True)
class Quote:
    start: dt.date
    end: dt.date
    days: int
    lines: tuple[Line, ...]
    vat_parts: tuple[VatPart, ...]
    subtotal: int
    vat: int
    total: int
    decisions: tuple[str, ...]


def _parts(*, catalogue: Catalogue, purpose: str, start: dt.date, end: dt.date):
    """[(from, to, version, vat)] for the period, split where the version or the VAT rate changes."""
    candidates = {start, end}
    for v in catalogue.versions:
        if v.purpose == purpose:
            candidates.update(d for d in (v.active_from, v.active_to) if d is not None)
    for r in catalogue.vat_rates:
        candidates.update(d for d in (r.active_from, r.active_to) if d is not None)
    cuts = sorted(d for d in candidates if start <= d <= end)
    parts = []
    for part_from, part_to in zip(cuts, cuts[1:], strict=False):
        version = catalogue.version_on(purpose=purpose, day=part_from)
        vat = catalogue.vat_on(day=part_from)
        if version is None:
            raise NoTariff(purpose=purpose, day=part_from)
        if vat is None:
            raise NoVatRate(day=part_from)
        if parts and parts[-1][2] is version and parts[-1][3].basis_points == vat.basis_points:
            parts[-1] = (parts[-1][0], part_to, version, vat)
        else:
            parts.append((part_from, part_to, version, vat))
    return parts


def price_one(
    *,
    catalogue: Catalogue,
    purpose: str,
    start: dt.date,
    end: dt.date,
    kwh: int | None = None,
    registers: tuple[int, int, int] | None = None,
    households: int = 1,
    voltage: str | None = None,
) -> Quote:
    """Price one account's period [start, end): `kwh` for tiered prices, or (peak, normal, off-peak) registers."""
    if end <= start:
        raise InvalidPeriod("end must be after start")
    if households < 1:
        raise InvalidConsumption("households must be at least 1")
    if registers is None:
        registers = (0, kwh or 0, 0)
    if kwh is None:
        kwh = sum(registers)
    if kwh < 0 or min(registers) < 0:
        raise InvalidConsumption("consumption must not be negative")
    if kwh != sum(registers):
        raise InvalidConsumption("kwh must equal the sum of the registers")
    days = (end - start).days
    left_kwh, left_registers, left_days = kwh, list(registers), days
    lines: list[Line] = []
    vat_parts: list[VatPart] = []
    decisions: list[str] = []
    for part_from, part_to, version, vat in _parts(
        catalogue=catalogue, purpose=purpose, start=start, end=end
    ):
        n = (part_to - part_from).days
        part_kwh = round_half_up(left_kwh * n, left_days)
        part_registers = [round_half_up(r * n, left_days) for r in left_registers]
        left_kwh -= part_kwh
        left_registers = [r - taken for r, taken in zip(left_registers, part_registers, strict=True)]
        left_days -= n
        part_subtotal = 0
        if version.method == TIERED:
            divisor = version.divisor or preceding_month_days(end)
            rest = part_kwh
            for position, (monthly, price) in enumerate(version.tiers, start=1):
                limit = None if monthly is None else round_half_up(monthly * n * households, divisor)
                taken = rest if limit is None else min(rest, limit)
                rest -= taken
                if taken:
                    lines.append(Line(part_from, part_to, position, None, limit, taken, price, taken * price))
                    part_subtotal += taken * price
        else:
            prices = [version.tou_prices.get((voltage, period)) for period in PERIODS]
            if None in prices:
                raise NoTariff(purpose=purpose, day=part_from, voltage=voltage)
            for period, taken, price in zip(PERIODS, part_registers, prices, strict=True):
                if taken:
                    lines.append(Line(part_from, part_to, None, period, None, taken, price, taken * price))
                    part_subtotal += taken * price
        vat_parts.append(VatPart(part_from, part_to, vat.basis_points, part_subtotal))
        if version.decision not in decisions:
            decisions.append(version.decision)
    subtotal = sum(p.subtotal for p in vat_parts)
    vat = sum(
        round_half_up(sum(p.subtotal for p in vat_parts if p.basis_points == bp) * bp, 10_000)
        for bp in {p.basis_points for p in vat_parts}
    )
    return Quote(
        start, end, days, tuple(lines), tuple(vat_parts), subtotal, vat, subtotal + vat, tuple(decisions)
    )


# --- many accounts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledCatalogue:
    """The catalogue as numpy arrays: per purpose, the date segments on which version and VAT are constant."""

    segment_offsets: np.ndarray  # (purposes + 1,) slice of the segment arrays for each purpose
    segment_start: np.ndarray  # (segments,) day ordinal, first segment of a purpose starts in the far past
    segment_end: np.ndarray  # (segments,) exclusive
    segment_version: np.ndarray  # (segments,) index into the version arrays, -1 where none
    segment_vat: np.ndarray  # (segments,) basis points, -1 where none
    version_time_of_use: np.ndarray  # (versions,) bool
    version_divisor: np.ndarray  # (versions,) 30, or 0 for the days of the preceding month
    tier_limit: np.ndarray  # (versions, tiers) monthly kWh per household, -1 unlimited, 0 past the last
    tier_price: np.ndarray  # (versions, tiers)
    tou_price: np.ndarray  # (versions, voltages, periods), -1 where missing
    vat_rates: np.ndarray  # distinct basis points


def compile_catalogue(catalogue: Catalogue) -> CompiledCatalogue:
    """Turn the catalogue into the arrays `price_many` reads (done once per run)."""
    versions = list(catalogue.versions)
    n_tiers = max([len(v.tiers) for v in versions] + [1])
    rows = max(len(versions), 1)  # a catalogue without versions still compiles (every account unpriced)
    tier_limit = np.zeros((rows, n_tiers), dtype=np.int64)
    tier_price = np.zeros((rows, n_tiers), dtype=np.int64)
    tou_price = np.full((rows, len(VOLTAGES), len(PERIODS)), -1, dtype=np.int64)
    for i, v in enumerate(versions):
        for t, (limit, price) in enumerate(v.tiers):
            tier_limit[i, t] = _NO_LIMIT if limit is None else limit
            tier_price[i, t] = price
        for (voltage, period), price in v.tou_prices.items():
            tou_price[i, VOLTAGES.index(voltage), PERIODS.index(period)] = price
    starts, ends, seg_versions, seg_vats, offsets = [], [], [], [], [0]
    vat_cuts = {
        d.toordinal() for r in catalogue.vat_rates for d in (r.active_from, r.active_to) if d is not None
    }
    for purpose in PURPOSES:
        mine = [i for i, v in enumerate(versions) if v.purpose == purpose]
        cuts = set(vat_cuts)
        for i in mine:
            cuts.update(
                d.toordinal() for d in (versions[i].active_from, versions[i].active_to) if d is not None
            )
        bounds = [_FAR_PAST, *sorted(cuts), _FAR_FUTURE]
        segments: list[list[int]] = []
        for lo, hi in zip(bounds, bounds[1:], strict=False):
            day = dt.date.fromordinal(min(max(lo, 1), dt.date.max.toordinal()))
            version = next((i for i in mine if versions[i].covers(day)), -1) if lo != _FAR_PAST else -1
            vat = catalogue.vat_on(day=day) if lo != _FAR_PAST else None
            state = [version, vat.basis_points if vat else -1]
            if segments and segments[-1][2:] == state:
                segments[-1][1] = hi
            else:
                segments.append([lo, hi, *state])
        for lo, hi, version, vat in segments:
            starts.append(lo)
            ends.append(hi)
            seg_versions.append(version)
            seg_vats.append(vat)
        offsets.append(len(starts))
    return CompiledCatalogue(
        segment_offsets=np.array(offsets, dtype=np.int64),
        segment_start=np.array(starts, dtype=np.int64),
        segment_end=np.array(ends, dtype=np.int64),
        segment_version=np.array(seg_versions, dtype=np.int64),
        segment_vat=np.array(seg_vats, dtype=np.int64),
        version_time_of_use=np.array([v.method == TIME_OF_USE for v in versions] or [False], dtype=bool),
        version_divisor=np.array([v.divisor for v in versions] or [30], dtype=np.int64),
        tier_limit=tier_limit,
        tier_price=tier_price,
        tou_price=tou_price,
        vat_rates=np.array(sorted({r.basis_points for r in catalogue.vat_rates}), dtype=np.int64),
    )


@dataclass(frozen=True)
class PricedAccounts:
    """Lines (one row per priced line, ordered by account, part, tier/period) and per-account totals.

    `line_tier` is 1-based (0 on time-of-use lines); `line_period` is 1 peak, 2 normal, 3 off-peak (0 on
    tier lines); `line_limit` is -1 where the line has no limit; dates are day ordinals. Accounts that
    could not be priced (no tariff or VAT rate on some day, no price for their voltage) are flagged in
    `unpriced` and have no lines and zero totals. `line_row` is the line's account position in the input.
    """

    line_row: np.ndarray
    line_account: np.ndarray
    line_part: np.ndarray
    line_start: np.ndarray
    line_end: np.ndarray
    line_tier: np.ndarray
    line_period: np.ndarray
    line_limit: np.ndarray
    line_kwh: np.ndarray
    line_unit_price: np.ndarray
    line_amount: np.ndarray
    subtotal: np.ndarray
    vat: np.ndarray
    total: np.ndarray
    unpriced: np.ndarray


_LINE_FIELDS = (
    "line_row", "line_account", "line_part", "line_start", "line_end", "line_tier", "line_period", "line_limit",
    "line_kwh", "line_unit_price", "line_amount",
)  # fmt: skip


def _preceding_month_days_array(end_ordinal: np.ndarray) -> np.ndarray:
    epoch = dt.date(1970, 1, 1).toordinal()
    month = (end_ordinal - epoch).astype("datetime64[D]").astype("datetime64[M]")
    return (month.astype("datetime64[D]") - (month - 1).astype("datetime64[D]")).astype(np.int64)


def _price_chunk(
    cat: CompiledCatalogue,
    account: np.ndarray,
    start: np.ndarray,
    days: np.ndarray,
    kwh: np.ndarray,
    registers: np.ndarray,
    households: np.ndarray,
    purpose: np.ndarray,
    voltage: np.ndarray,
) -> PricedAccounts:
    n = len(start)
    end = start + days
    # An unknown purpose code (-1 from the bill run, or any value outside PURPOSES) must never index the arrays
    # (numpy's -1 is the last purpose): its accounts point at segment 0, the far past of the first purpose,
    # which has no version, so they come out unpriced ("no tariff").
    first = np.zeros(n, dtype=np.int64)
    last = np.zeros(n, dtype=np.int64)
    for p in np.unique(purpose):
        if not 0 <= p < len(PURPOSES):
            continue
        rows = purpose == p
        lo, hi = cat.segment_offsets[p], cat.segment_offsets[p + 1]
        seg_start = cat.segment_start[lo:hi]
        first[rows] = lo + np.searchsorted(seg_start, start[rows], side="right") - 1
        last[rows] = lo + np.searchsorted(seg_start, end[rows] - 1, side="right") - 1
    n_parts = last - first + 1
    groups = np.unique(n_parts)
    if len(groups) <= 1:
        k_max = int(groups[0]) if n else 1
        return _price_parts(
            cat, k_max, first, n_parts, account, start, days, kwh, registers, households, voltage
        )
    # Most periods cross no change: price each part count on its own so that one-part accounts do not
    # carry the empty second part of the few that cross a change, then merge back in account order.
    rows = [np.flatnonzero(n_parts == k_max) for k_max in groups]
    priced = [
        _price_parts(cat, int(k_max), *(x[r] for x in (first, n_parts, account, start, days, kwh, registers,
                                                        households, voltage)))
        for k_max, r in zip(groups, rows, strict=True)
    ]  # fmt: skip
    line_row = np.concatenate([r[p.line_row] for r, p in zip(rows, priced, strict=True)])
    order = np.argsort(line_row, kind="stable")  # a merge of sorted runs
    merged = {
        name: np.concatenate([getattr(p, name) for p in priced])[order]
        for name in _LINE_FIELDS
        if name != "line_row"
    }
    per_account = {}
    for name in ("subtotal", "vat", "total", "unpriced"):
        values = np.empty(n, dtype=getattr(priced[0], name).dtype)
        for r, p in zip(rows, priced, strict=True):
            values[r] = getattr(p, name)
        per_account[name] = values
    return PricedAccounts(**merged, **per_account, line_row=line_row[order])


def _price_parts(
    cat: CompiledCatalogue,
    k_max: int,
    first: np.ndarray,
    n_parts: np.ndarray,
    account: np.ndarray,
    start: np.ndarray,
    days: np.ndarray,
    kwh: np.ndarray,
    registers: np.ndarray,
    households: np.ndarray,
    voltage: np.ndarray,
) -> PricedAccounts:
    n = len(start)
    end = start + days
    k = np.arange(k_max, dtype=np.int64)
    valid = k[None, :] < n_parts[:, None]  # (n, K)
    seg = np.where(valid, first[:, None] + k[None, :], first[:, None])
    part_from = np.maximum(start[:, None], cat.segment_start[seg])
    part_to = np.minimum(end[:, None], cat.segment_end[seg])
    part_days = np.where(valid, part_to - part_from, 0)
    version = cat.segment_version[seg]
    vat_bp = cat.segment_vat[seg]
    v = np.maximum(version, 0)
    is_tou = cat.version_time_of_use[v]
    # An unknown voltage code has no price (never the last voltage's, as numpy's index -1 would give).
    known_voltage = (voltage >= 0) & (voltage < len(VOLTAGES))
    tou_price = np.where(
        known_voltage[:, None, None], cat.tou_price[v, np.where(known_voltage, voltage, 0)[:, None], :], -1
    )  # (n, K, 3)
    unpriced = (valid & ((version < 0) | (vat_bp < 0) | (is_tou & (tou_price < 0).any(axis=2)))).any(axis=1)

    any_tou = bool((is_tou & valid).any())
    # kWh and registers split part after part over the days left; invalid parts have 0 days and get 0.
    part_kwh = np.zeros((n, k_max), dtype=np.int64)
    tou_kwh = np.zeros((n, k_max, len(PERIODS)), dtype=np.int64)
    left_kwh, left_registers, left_days = kwh.copy(), registers.copy(), days.copy()
    for j in range(k_max):
        safe_days = np.maximum(left_days, 1)
        part_kwh[:, j] = _round_half_up_array(left_kwh * part_days[:, j], safe_days)
        left_kwh -= part_kwh[:, j]
        if any_tou:
            tou_kwh[:, j] = _round_half_up_array(left_registers * part_days[:, j, None], safe_days[:, None])
            left_registers -= tou_kwh[:, j]
        left_days -= part_days[:, j]
    # Tiers: prorated limits, then what falls between each tier's lower and upper bound.
    divisor = cat.version_divisor[v]
    if (divisor == DIVISOR_PRECEDING_MONTH).any():
        divisor = np.where(
            divisor == DIVISOR_PRECEDING_MONTH, _preceding_month_days_array(end)[:, None], divisor
        )
    monthly = cat.tier_limit[v]  # (n, K, T)
    unlimited = monthly == _NO_LIMIT
    limit = _round_half_up_array(
        np.maximum(monthly, 0) * (part_days * households[:, None])[:, :, None], divisor[:, :, None]
    )
    limit = np.where(unlimited, part_kwh[:, :, None], limit)
    lower = np.cumsum(limit, axis=2) - limit
    line_kwh = np.clip(part_kwh[:, :, None] - lower, 0, limit)
    line_price = cat.tier_price[v]
    line_limit = np.where(unlimited, _NO_LIMIT, limit)
    if any_tou:
        # Tier and time-of-use lines share one slot axis: tiers 1..T or periods peak, normal, off-peak.
        slots = max(line_kwh.shape[2], len(PERIODS))

        def padded(x, fill=0):
            extra = slots - x.shape[2]
            return np.pad(x, ((0, 0), (0, 0), (0, extra)), constant_values=fill) if extra else x

        tou3 = is_tou[:, :, None]
        line_kwh = np.where(tou3, padded(tou_kwh), padded(line_kwh))
        line_price = np.where(tou3, padded(tou_price), padded(line_price))
        line_limit = np.where(tou3, _NO_LIMIT, padded(line_limit, _NO_LIMIT))
    slots = line_kwh.shape[2]
    line_amount = line_kwh * line_price

    # Unpriced accounts keep no amount; invalid parts have no kWh, hence no amount.
    part_subtotal = np.where(unpriced[:, None], 0, line_amount.sum(axis=2))
    subtotal = part_subtotal.sum(axis=1)
    vat = np.zeros(n, dtype=np.int64)
    for bp in cat.vat_rates:
        at_rate = np.where(vat_bp == bp, part_subtotal, 0).sum(axis=1)
        vat += _round_half_up_array(at_rate * bp, 10_000)

    flat = np.flatnonzero((line_kwh > 0) & ~unpriced[:, None, None])
    part_index, slot_index = np.divmod(flat, slots)
    row = part_index // k_max
    line_is_tou = is_tou.reshape(-1)[part_index]
    return PricedAccounts(
        line_row=row,
        line_account=account[row],
        line_part=part_index - row * k_max,
        line_start=part_from.reshape(-1)[part_index],
        line_end=part_to.reshape(-1)[part_index],
        line_tier=np.where(line_is_tou, 0, slot_index + 1),
        line_period=np.where(line_is_tou, slot_index + 1, 0),
        line_limit=line_limit.reshape(-1)[flat],
        line_kwh=line_kwh.reshape(-1)[flat],
        line_unit_price=line_price.reshape(-1)[flat],
        line_amount=line_amount.reshape(-1)[flat],
        subtotal=subtotal,
        vat=vat,
        total=subtotal + vat,
        unpriced=unpriced,
    )


def price_many(
    *,
    catalogue: CompiledCatalogue,
    start: np.ndarray,
    days: np.ndarray,
    kwh: np.ndarray,
    households: np.ndarray,
    purpose: np.ndarray,
    voltage: np.ndarray | None = None,
    registers: np.ndarray | None = None,
    account: np.ndarray | None = None,
    chunk_size: int = 20_000,
) -> PricedAccounts:
    """Price many accounts at once: day-ordinal `start`, `days` ≥ 1, codes index PURPOSES / VOLTAGES.

    `registers` (accounts × 3: peak, normal, off-peak kWh) feed time-of-use versions; where it is not
    given, all of `kwh` is priced at the normal price. `account` labels the lines (default: row index).
    """
    start, days, kwh, households, purpose = (
        np.asarray(x, dtype=np.int64) for x in (start, days, kwh, households, purpose)
    )
    n = len(start)
    voltage = np.zeros(n, dtype=np.int64) if voltage is None else np.asarray(voltage, dtype=np.int64)
    if registers is None:
        registers = np.zeros((n, 3), dtype=np.int64)
        registers[:, 1] = kwh
    registers = np.asarray(registers, dtype=np.int64)
    account = np.arange(n, dtype=np.int64) if account is None else np.asarray(account, dtype=np.int64)
    if n and ((days < 1).any() or (kwh < 0).any() or (registers < 0).any() or (households < 1).any()):
        raise InvalidConsumption("days and households must be ≥ 1, kWh must not be negative")
    offsets = range(0, max(n, 1), chunk_size)
    chunks = [
        _price_chunk(catalogue, *(x[i : i + chunk_size] for x in (account, start, days, kwh, registers,
                                                                   households, purpose, voltage)))
        for i in offsets
    ]  # fmt: skip
    if len(chunks) == 1:
        return chunks[0]
    fields = {
        name: np.concatenate([getattr(c, name) for c in chunks])
        for name in PricedAccounts.__dataclass_fields__
    }
    fields["line_row"] = np.concatenate([c.line_row + i for c, i in zip(chunks, offsets, strict=True)])
    return PricedAccounts(**fields)


# --- time-of-use hours -----------------------------------------------------------------------------------

SLOTS_PER_DAY = 48  # half-hours, the interval of smart-meter data


@dataclass(frozen=True)
class TimeOfUseSchedule:
    """The hours of one schedule: windows `(days, period, starts_at, ends_at)`; `days` is mon_sat or sunday."""

    active_from: dt.date
    active_to: dt.date | None
    windows: tuple[tuple[str, str, dt.time, dt.time], ...]

    def covers(self, day: dt.date) -> bool:
        return self.active_from <= day and (self.active_to is None or day < self.active_to)


def time_of_use_slots(*, schedules: tuple[TimeOfUseSchedule, ...], day: dt.date) -> tuple[str | None, ...]:
    """The period (peak/normal/offpeak, None where no window) of each half-hour of a local day.

    The schedule in force that day applies; Sunday has its own windows (no peak), every other day the
    Monday–Saturday ones. An `ends_at` of 00:00 is midnight at the end of the day.
    """
    schedule = next(
        (s for s in sorted(schedules, key=lambda s: s.active_from, reverse=True) if s.covers(day)), None
    )
    slots: list[str | None] = [None] * SLOTS_PER_DAY
    if schedule is None:
        return tuple(slots)
    kind = "sunday" if day.weekday() == 6 else "mon_sat"
    for days, period, starts_at, ends_at in schedule.windows:
        if days != kind:
            continue
        first = (starts_at.hour * 60 + starts_at.minute) // 30
        last = SLOTS_PER_DAY if ends_at == dt.time(0, 0) else (ends_at.hour * 60 + ends_at.minute) // 30
        for slot in range(first, last):
            slots[slot] = period
    return tuple(slots)
