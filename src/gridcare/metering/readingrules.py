"""The readings import's rules (VEE), set-based: column parsing, meters and installations, duplicates, sequences.

Pure functions over a `Table`'s columns and numpy arrays; the database facts they need (meters, installations,
earlier readings) are passed in by `services.py`, which reads them with one set-based query each.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.core.importfiles import RowError
from gridcare.metering.readingfiles import Table

EPOCH = dt.date(1970, 1, 1)
EPOCH_ORDINAL = EPOCH.toordinal()
# Implausible jump: daily use above JUMP_FACTOR × the account's median daily use, and above the floor.
JUMP_FACTOR = 10
JUMP_FLOOR_KWH_PER_DAY = 300
# Interval energy above this in one 30-minute interval is not a distribution customer's load.
INTERVAL_CEILING_WH = 5_000_000
INTERVAL_SECONDS = 30 * 60
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DMY_TIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
_PLAIN_INT = re.compile(r"^\s*[+-]?\d+\s*$")
_PLAIN_DECIMAL = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$")


def day_number(value: dt.date) -> int:
    return value.toordinal() - EPOCH_ORDINAL


def day_from_number(number: int) -> dt.date:
    return dt.date.fromordinal(int(number) + EPOCH_ORDINAL)


# --- parsing columns ---------------------------------------------------------------------------------


def _err(errors: list[RowError], table: Table, index: int, column: str, value: str, vi: str, en: str) -> None:
    errors.append(RowError(int(table.row_numbers[index]), column, value, vi, en))


def parse_whole_numbers(
    table: Table, column: str, errors: list[RowError], *, required: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse a column of whole kWh: (values, ok, blank). Bad or negative values are reported in `errors`."""
    raw = table.columns[column]
    n = len(raw)
    try:
        values = np.array(raw, dtype=np.str_).astype(np.int64) if n else np.zeros(0, dtype=np.int64)
        ok = np.ones(n, dtype=bool)
        blank = np.zeros(n, dtype=bool)
        # numpy accepts Python int syntax (underscores, other scripts' digits): recheck the rare odd ones.
        joined = "".join(raw)
        if not joined.isascii() or "_" in joined:
            raise ValueError
    except (ValueError, OverflowError):
        values = np.zeros(n, dtype=np.int64)
        ok = np.ones(n, dtype=bool)
        blank = np.zeros(n, dtype=bool)
        for i, s in enumerate(raw):
            s = s.strip()
            if not s:
                blank[i] = True
                ok[i] = False
                if required:
                    _err(errors, table, i, column, s, _("Thiếu giá trị."), "Missing value.")
            elif _PLAIN_INT.match(s) and abs(int(s)) < 2**62:
                values[i] = int(s)
            elif _PLAIN_DECIMAL.match(s) and float(s).is_integer() and abs(float(s)) < 2**52:
                values[i] = int(float(s))
            else:
                ok[i] = False
                if _PLAIN_DECIMAL.match(s):
                    _err(
                        errors,
                        table,
                        i,
                        column,
                        s,
                        _("Chỉ số phải là số kWh nguyên."),
                        "Register values must be whole kWh.",
                    )
                else:
                    _err(errors, table, i, column, s, _("Không phải là số."), "Not a number.")
    negative = ok & (values < 0)
    for i in np.flatnonzero(negative).tolist():
        _err(errors, table, i, column, raw[i], _("Giá trị âm."), "Negative value.")
    ok &= ~negative
    return values, ok, blank


def parse_kwh_to_wh(table: Table, column: str, errors: list[RowError]) -> tuple[np.ndarray, np.ndarray]:
    """Parse kWh with up to 3 decimals into whole Wh: (values, ok)."""
    raw = table.columns[column]
    n = len(raw)
    try:
        joined = "".join(raw).lower()
        if not joined.isascii() or "_" in joined or "e" in joined or "n" in joined:  # 1e3, nan, inf: not kWh
            raise ValueError
        kwh = np.array(raw, dtype=np.str_).astype(np.float64) if n else np.zeros(0)
        ok = np.ones(n, dtype=bool)
    except ValueError:
        kwh = np.zeros(n)
        ok = np.ones(n, dtype=bool)
        for i, s in enumerate(raw):
            s = s.strip()
            if not s:
                ok[i] = False
                _err(errors, table, i, column, s, _("Thiếu giá trị."), "Missing value.")
            elif _PLAIN_DECIMAL.match(s):
                kwh[i] = float(s)
            else:
                ok[i] = False
                _err(errors, table, i, column, s, _("Không phải là số."), "Not a number.")
    wh_float = kwh * 1000.0
    wh = np.rint(wh_float).astype(np.int64)
    too_precise = ok & (np.abs(wh_float - wh) > 1e-6 * np.maximum(1.0, np.abs(wh_float)))
    for i in np.flatnonzero(too_precise).tolist():
        _err(
            errors, table, i, column, raw[i], _("Tối đa 3 chữ số thập phân (Wh)."), "At most 3 decimals (Wh)."
        )
    negative = ok & ~too_precise & (wh < 0)
    for i in np.flatnonzero(negative).tolist():
        _err(errors, table, i, column, raw[i], _("Giá trị âm."), "Negative value.")
    return wh, ok & ~too_precise & ~negative


def _parse_date(text: str) -> dt.date | None:
    text = text.strip()
    try:
        if match := _DMY.match(text):
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return dt.date.fromisoformat(text)
    except ValueError:
        return None
    return None


def parse_days(
    table: Table, column: str, errors: list[RowError], *, today: dt.date
) -> tuple[np.ndarray, np.ndarray]:
    """Parse dates (`2025-11-05` or `05/11/2025`) into day numbers: (days, ok). Future dates are errors."""
    raw = table.columns[column]
    parsed = {text: _parse_date(text) for text in set(raw)}  # files repeat few distinct dates
    lookup = {text: (day_number(d) if d else -(2**40)) for text, d in parsed.items()}
    days = np.fromiter(map(lookup.__getitem__, raw), dtype=np.int64, count=len(raw))
    ok = days > -(2**40)
    for i in np.flatnonzero(~ok).tolist():
        _err(
            errors, table, i, column, raw[i],
            _("Ngày không hợp lệ (dùng 2025-11-05 hoặc 05/11/2025)."), "Invalid date (use 2025-11-05 or 05/11/2025).",
        )  # fmt: skip
    future = ok & (days > day_number(today))
    for i in np.flatnonzero(future).tolist():
        _err(errors, table, i, column, raw[i], _("Ngày ghi ở tương lai."), "Reading date is in the future.")
    return days, ok & ~future


def _parse_moment(text: str) -> int | None:
    text = text.strip()
    try:
        if match := _DMY_TIME.match(text):
            day, month, year, hour, minute, second = match.groups()
            moment = dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        else:
            moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BUSINESS_TZ)
    return int(moment.timestamp())


def parse_moments(
    table: Table, column: str, errors: list[RowError], *, now: dt.datetime
) -> tuple[np.ndarray, np.ndarray]:
    """Parse interval starts (ISO with offset, or local time) into UTC epoch seconds: (seconds, ok)."""
    raw = table.columns[column]
    lookup = {text: _parse_moment(text) for text in set(raw)}
    missing = -(2**62)
    seconds = np.fromiter(
        (missing if lookup[t] is None else lookup[t] for t in raw), dtype=np.int64, count=len(raw)
    )
    ok = seconds != missing
    for i in np.flatnonzero(~ok).tolist():
        _err(
            errors, table, i, column, raw[i],
            _("Thời điểm không hợp lệ (dùng 2025-11-05T10:30+07:00 hoặc 05/11/2025 10:30)."),
            "Invalid time (use 2025-11-05T10:30+07:00 or 05/11/2025 10:30).",
        )  # fmt: skip
    misaligned = ok & (seconds % INTERVAL_SECONDS != 0)
    for i in np.flatnonzero(misaligned).tolist():
        _err(
            errors,
            table,
            i,
            column,
            raw[i],
            _("Khoảng 30 phút phải bắt đầu lúc :00 hoặc :30."),
            "Intervals start at :00 or :30.",
        )
    future = ok & ~misaligned & (seconds + INTERVAL_SECONDS > int(now.timestamp()))
    for i in np.flatnonzero(future).tolist():
        _err(
            errors,
            table,
            i,
            column,
            raw[i],
            _("Khoảng đo chưa kết thúc (tương lai)."),
            "Interval has not ended yet (future).",
        )
    return seconds, ok & ~misaligned & ~future


def resolve_serials(
    table: Table, meters: dict[str, tuple[int, int]], errors: list[RowError]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map serials to (meter ids, register digits, ok); unknown meters are errors."""
    raw = table.columns["meter_serial"]
    index = {serial: k for k, serial in enumerate(meters, start=1)}
    known = np.fromiter(map(index.get, raw, repeat(0)), dtype=np.int64, count=len(raw))
    ids = np.array([0] + [pk for pk, _digits in meters.values()], dtype=np.int64)[known]
    digits = np.array([0] + [d for _pk, d in meters.values()], dtype=np.int64)[known]
    ok = ids > 0
    for i in np.flatnonzero(~ok).tolist():
        if raw[i].strip():
            _err(
                errors,
                table,
                i,
                "meter_serial",
                raw[i],
                _("Không có công tơ số này."),
                "Unknown meter serial.",
            )
        else:
            _err(errors, table, i, "meter_serial", raw[i], _("Thiếu số công tơ."), "Missing meter serial.")
    return ids, digits, ok


@dataclass
class Installations:
    """Meter installations sorted by (meter, installed_on): the account a meter is on at a date."""

    meter: np.ndarray
    account: np.ndarray
    installed: np.ndarray
    removed: np.ndarray  # day number, or a far future day while installed
    initial_total: np.ndarray


def accounts_on(
    installations: Installations, *, meter: np.ndarray, day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The account each (meter, day) belongs to, and whether the meter was installed then."""
    if len(installations.meter) == 0:
        return np.zeros(len(meter), dtype=np.int64), np.zeros(len(meter), dtype=bool)
    key = installations.meter * 1_000_000 + installations.installed
    at = np.searchsorted(key, meter * 1_000_000 + day, side="right") - 1
    at_safe = np.maximum(at, 0)
    ok = (at >= 0) & (installations.meter[at_safe] == meter) & (day < installations.removed[at_safe])
    return np.where(ok, installations.account[at_safe], 0), ok


def first_duplicates(table: Table, keys: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose key repeats an earlier row of the file: (is_duplicate, index of the first row)."""
    n = len(keys)
    duplicate = np.zeros(n, dtype=bool)
    first = np.full(n, -1, dtype=np.int64)
    index = np.flatnonzero(candidates)
    if len(index) == 0:
        return duplicate, first
    order = index[np.argsort(keys[index], kind="stable")]
    sorted_keys = keys[order]
    same = np.concatenate([[False], sorted_keys[1:] == sorted_keys[:-1]])
    group_start = np.maximum.accumulate(np.where(~same, np.arange(len(order)), 0))
    duplicate[order[same]] = True
    first[order[same]] = order[group_start[same]]
    return duplicate, first


# --- register readings: the sequence checks ----------------------------------------------------------


@dataclass
class History:
    """Readings already recorded for the file's meters (and installation baselines), as arrays."""

    meter: np.ndarray
    account: np.ndarray
    day: np.ndarray
    total: np.ndarray
    peak: np.ndarray  # -1 for no value
    normal: np.ndarray
    offpeak: np.ndarray
    rollover: np.ndarray
    digits_by_meter: dict[int, int] = field(default_factory=dict)


def daily_limits(history: History, digits: dict[int, int]) -> dict[int, float]:
    """Largest plausible daily use per account: max(JUMP_FACTOR × median daily use, floor)."""
    if len(history.meter) < 2:
        return {}
    order = np.lexsort((history.day, history.meter))
    meter, day, total, account = (
        history.meter[order],
        history.day[order],
        history.total[order],
        history.account[order],
    )
    same = (meter[1:] == meter[:-1]) & (account[1:] == account[:-1]) & (day[1:] > day[:-1])
    if not same.any():
        return {}
    wrap = np.power(10, _lookup(digits, meter[1:][same], 9).astype(np.int64))
    used = total[1:][same] - total[:-1][same]
    used = np.where(used < 0, used + wrap, used)
    rate = used / (day[1:][same] - day[:-1][same])
    acct = account[1:][same]
    by = np.lexsort((rate, acct))
    acct, rate = acct[by], rate[by]
    starts = np.flatnonzero(np.concatenate([[True], acct[1:] != acct[:-1]]))
    counts = np.diff(np.concatenate([starts, [len(acct)]]))
    medians = (rate[starts + (counts - 1) // 2] + rate[starts + counts // 2]) / 2
    return {
        int(a): max(JUMP_FACTOR * float(m), JUMP_FLOOR_KWH_PER_DAY)
        for a, m in zip(acct[starts].tolist(), medians.tolist(), strict=True)
    }


def step_check(
    *, previous: int, previous_day: int, total: int, day: int, digits: int, limit: float
) -> tuple[bool, bool, str, str]:
    """One reading against the one before it: (accepted, rollover, reason_vi, reason_en)."""
    days = max(day - previous_day, 1)
    used = total - previous
    previous_text = day_from_number(previous_day).strftime("%d/%m/%Y")
    allowed = limit * days
    if used >= 0:
        if used <= allowed:
            return True, False, "", ""
        return (
            False, False,
            _("Tiêu thụ %(used)d kWh trong %(days)d ngày (từ chỉ số %(previous)d ngày %(date)s) vượt mức hợp lý %(allowed)d kWh.")
            % {"used": used, "days": days, "previous": previous, "date": previous_text, "allowed": int(allowed)},
            f"Use of {used} kWh in {days} days (from reading {previous} of {previous_text}) exceeds the plausible {int(allowed)} kWh.",
        )  # fmt: skip
    wrapped = 10**digits - previous + total
    if wrapped <= allowed:
        return True, True, "", ""
    return (
        False, False,
        _("Thấp hơn chỉ số trước %(previous)d ngày %(date)s (không phải quay vòng: quay vòng qua 0 ở %(digits)d chữ số nghĩa là tiêu thụ %(wrapped)d kWh trong %(days)d ngày, vượt mức hợp lý %(allowed)d kWh).")
        % {"previous": previous, "date": previous_text, "digits": digits, "wrapped": wrapped, "days": days, "allowed": int(allowed)},
        f"Lower than the previous reading {previous} of {previous_text} (not a rollover: wrapping past zero at {digits} digits "
        f"would mean {wrapped} kWh in {days} days, above the plausible {int(allowed)} kWh).",
    )  # fmt: skip


def _lookup(mapping: dict[int, Any], keys: np.ndarray, default: float) -> np.ndarray:
    """mapping[key] for every key, `default` where missing, as an array (sorted search, no Python loop)."""
    if not mapping or len(keys) == 0:
        return np.full(len(keys), default)
    known = np.array(sorted(mapping), dtype=np.int64)
    values = np.array([mapping[k] for k in known.tolist()])
    at = np.minimum(np.searchsorted(known, keys), len(known) - 1)
    return np.where(known[at] == keys, values[at], default)


def forward_check(
    *,
    candidate: np.ndarray,
    meter: np.ndarray,
    account: np.ndarray,
    day: np.ndarray,
    total: np.ndarray,
    digits: np.ndarray,
    history: History,
    limits: dict[int, float],
) -> list[tuple[int, str, str]]:
    """Rows filled in before a recorded reading must not be above it (unless that is a plausible rollover).

    Independent of the other rows of the file, so it runs before `sequence_check`. Returns
    [(row index, reason_vi, reason_en)].
    """
    index = np.flatnonzero(candidate)
    if len(index) == 0 or len(history.meter) == 0:
        return []
    order = np.lexsort((history.day, history.meter))
    h_meter, h_day, h_total = history.meter[order], history.day[order], history.total[order]
    at = np.searchsorted(h_meter * 1_000_000 + h_day, meter[index] * 1_000_000 + day[index], side="right")
    at_safe = np.minimum(at, len(h_meter) - 1)
    following = (at < len(h_meter)) & (h_meter[at_safe] == meter[index])
    next_total, next_day = h_total[at_safe], h_day[at_safe]
    days = np.maximum(next_day - day[index], 1)
    allowed = _lookup(limits, account[index], JUMP_FLOOR_KWH_PER_DAY) * days
    wrapped = np.power(10, digits[index]) - total[index] + next_total
    fails = following & (next_total < total[index]) & (wrapped > allowed)
    failures = []
    for k in np.flatnonzero(fails).tolist():
        following_total, following_date = (
            int(next_total[k]),
            day_from_number(int(next_day[k])).strftime("%d/%m/%Y"),
        )
        failures.append((
            int(index[k]),
            _("Cao hơn chỉ số đã ghi sau đó %(next)d ngày %(date)s (không phải quay vòng).")
            % {"next": following_total, "date": following_date},
            f"Higher than the later recorded reading {following_total} of {following_date} (not a rollover).",
        ))  # fmt: skip
    return failures


def sequence_check(
    *,
    candidate: np.ndarray,
    meter: np.ndarray,
    account: np.ndarray,
    day: np.ndarray,
    total: np.ndarray,
    digits: np.ndarray,
    history: History,
    limits: dict[int, float],
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str, str]]]:
    """Check each candidate row against the latest accepted reading before it of the same meter.

    Rows of one meter are taken in date order, from the file and the history together; a rejected row
    is never the reference for the next one. Vectorised for meters whose rows all pass; meters with a
    failure are re-walked one row at a time. Returns (accepted, rollover, [(row index, vi, en)]).
    """
    n = len(meter)
    accepted = candidate.copy()
    rollover = np.zeros(n, dtype=bool)
    failures: list[tuple[int, str, str]] = []
    index = np.flatnonzero(candidate)
    if len(index) == 0:
        return accepted, rollover, failures
    h = len(history.meter)
    s_meter = np.concatenate([history.meter, meter[index]])
    s_day = np.concatenate([history.day, day[index]])
    s_total = np.concatenate([history.total, total[index]])
    s_row = np.concatenate([np.full(h, -1, dtype=np.int64), index])
    s_is_file = s_row >= 0
    s_digits = np.concatenate([_lookup(history.digits_by_meter, history.meter, 9), digits[index]])
    s_account = np.concatenate([history.account, account[index]])
    s_limit = _lookup(limits, s_account, JUMP_FLOOR_KWH_PER_DAY).astype(np.float64)
    order = np.lexsort((s_is_file, s_day, s_meter))
    s_meter, s_day, s_total, s_row, s_is_file, s_digits, s_limit = (
        a[order] for a in (s_meter, s_day, s_total, s_row, s_is_file, s_digits, s_limit)
    )
    has_prev = np.concatenate([[False], s_meter[1:] == s_meter[:-1]])
    prev_total = np.concatenate([[0], s_total[:-1]])
    prev_day = np.concatenate([[0], s_day[:-1]])
    days = np.maximum(s_day - prev_day, 1)
    used = s_total - prev_total
    allowed = s_limit * days
    wrapped = (10**s_digits) - prev_total + s_total
    check = s_is_file & has_prev
    fails = check & (((used >= 0) & (used > allowed)) | ((used < 0) & (wrapped > allowed)))
    rolls = check & (used < 0) & ~fails
    rollover[s_row[rolls]] = True
    bad_meters = set(s_meter[fails].tolist())
    if bad_meters:
        walk = np.flatnonzero(np.isin(s_meter, np.array(sorted(bad_meters), dtype=np.int64)))
        last_meter, last_total, last_day = None, 0, 0
        for k in walk.tolist():
            m = int(s_meter[k])
            if m != last_meter:
                last_meter, last_total, last_day, has_last = m, 0, 0, False
            if not s_is_file[k]:
                last_total, last_day, has_last = int(s_total[k]), int(s_day[k]), True
                continue
            row = int(s_row[k])
            if not has_last:
                ok, rolled, vi, en = True, False, "", ""
            else:
                ok, rolled, vi, en = step_check(
                    previous=last_total, previous_day=last_day, total=int(s_total[k]), day=int(s_day[k]),
                    digits=int(s_digits[k]), limit=float(s_limit[k]),
                )  # fmt: skip
            rollover[row] = rolled
            if ok:
                last_total, last_day, has_last = int(s_total[k]), int(s_day[k]), True
            else:
                accepted[row] = False
                failures.append((row, vi, en))
    return accepted, rollover, failures
