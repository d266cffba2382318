"""Reads for metering: the set-based lookups the reading import needs, and import history."""

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Exists, Max, OuterRef, QuerySet, Sum
from django.db.models.functions import ExtractHour, ExtractMinute, TruncDate

from gridcare.core.formatting import BUSINESS_TZ, local_date
from gridcare.core.sqlarrays import fetch_int_matrix
from gridcare.customers.models import Account
from gridcare.metering import consumption
from gridcare.metering.models import IntervalReading, Meter, MeterInstallation, Reading, ReadingImport
from gridcare.metering.readingrules import History, Installations, day_from_number

_FAR_FUTURE_DAY = 10**6
_SQLITE_CHUNK = 5_000
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9._,-]*")


def _rows_for_ids(sql: str, ids: Sequence[int] | Sequence[str], params: Sequence[Any] = ()) -> list[tuple]:
    """Run `sql` (with `IN {ids}` where the id list goes) once on PostgreSQL, in chunks on SQLite."""
    with connection.cursor() as cursor:
        ids = list(ids)
        if not ids:
            return []
        if connection.vendor == "postgresql":
            # Join with the unnested array: `= ANY(array)` is tested row by row against the whole array when
            # the planner chooses a scan, which is quadratic for the tens of thousands of ids of a big file.
            array_type = "text[]" if isinstance(ids[0], str) else "bigint[]"
            cursor.execute(sql.format(ids=f"(SELECT unnest(%s::{array_type}))"), [_array_param(ids), *params])
            return cursor.fetchall()
        rows: list[tuple] = []
        for start in range(0, len(ids), _SQLITE_CHUNK):
            chunk = ids[start : start + _SQLITE_CHUNK]
            cursor.execute(sql.format(ids=f"({', '.join(['%s'] * len(chunk))})"), [*chunk, *params])
            rows.extend(cursor.fetchall())
        return rows


def _array_param(ids: list) -> Any:
    """Ids as one array literal, joined at C speed (psycopg would adapt each item of a list): whole numbers, or
    strings of letters, digits, '.', '_' and '-' only (a serial); anything else goes as the list."""
    if isinstance(ids[0], int):
        return "{" + ",".join(map(str, ids)) + "}"
    joined = ",".join(ids)
    plain = (
        _PLAIN_TEXT.fullmatch(joined) and all(ids) and not any(i.upper() == "NULL" for i in ids)
    )  # NULL: no value
    return "{" + joined + "}" if plain else ids


def _int_matrix_for_ids(sql: str, ids: Sequence[int], params: Sequence[Any], columns: int) -> np.ndarray:
    """`_rows_for_ids` for an all-integer query, as an int64 matrix (on PostgreSQL packed by the server)."""
    ids = [int(i) for i in ids] if not isinstance(ids, list) else ids
    if not ids:
        return np.zeros((0, columns), dtype=np.int64)
    if connection.vendor == "postgresql":
        return fetch_int_matrix(sql=sql.format(ids="(SELECT unnest(%s::bigint[]))"), params=[_array_param(ids), *params],
                                columns=columns)  # fmt: skip
    return np.array(_rows_for_ids(sql, ids, params), dtype=np.int64).reshape(-1, columns)


def meters_by_serial(*, serials: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Meter id and register digits for each known serial."""
    table = Meter._meta.db_table
    rows = _rows_for_ids(
        f"SELECT serial, id, register_digits FROM {table} WHERE serial IN {{ids}}",  # noqa: S608
        sorted(set(serials)),
    )
    return {serial: (pk, digits) for serial, pk, digits in rows}


def installations_for_meters(*, meter_ids: Sequence[int]) -> Installations:
    """Every installation of the given meters, sorted by meter and installation date."""
    table = MeterInstallation._meta.db_table
    rows = _int_matrix_for_ids(
        f"SELECT meter_id, account_id, CAST({_day_sql('installed_on')} AS BIGINT), "  # noqa: S608
        f"CAST(COALESCE({_day_sql('removed_on')}, {_FAR_FUTURE_DAY}) AS BIGINT), initial_total "
        f"FROM {table} WHERE meter_id IN {{ids}}",
        meter_ids,
        [],
        5,
    )
    rows = rows[np.lexsort((rows[:, 2], rows[:, 0]))]
    return Installations(
        meter=rows[:, 0].copy(),
        account=rows[:, 1].copy(),
        installed=rows[:, 2].copy(),
        removed=rows[:, 3].copy(),
        initial_total=rows[:, 4].copy(),
    )


def _day_sql(column: str) -> str:
    """Day number (days since 1970-01-01) of a date column, in SQL."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS integer)"


def _as_date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def reading_history(
    *, meter_ids: Sequence[int], since_day: int, until_day: int, digits: dict[int, int]
) -> tuple[History, int]:
    """Readings of the meters between two day numbers (inclusive), then installation baselines.

    Returns the history and how many of its leading entries are real readings (the rest are baselines).
    Dates come back as day numbers and NULL registers as -1, computed by the database, so that the rows
    load straight into one integer array.
    """
    if connection.vendor == "postgresql":
        day_sql, install_sql = "(read_on - DATE '1970-01-01')", "(installed_on - DATE '1970-01-01')"
        rollover_sql = "CAST(rollover AS integer)"
    else:
        day_sql = "CAST(julianday(read_on) - 2440587.5 AS integer)"
        install_sql = "CAST(julianday(installed_on) - 2440587.5 AS integer)"
        rollover_sql = "rollover"
    since, until = _day_param(since_day), _day_param(until_day)
    rows = _int_matrix_for_ids(
        f"SELECT meter_id, account_id, CAST({day_sql} AS BIGINT), total, COALESCE(peak, -1), COALESCE(normal, -1), "  # noqa: S608
        f"COALESCE(offpeak, -1), CAST({rollover_sql} AS BIGINT) FROM {Reading._meta.db_table} "
        f"WHERE meter_id IN {{ids}} AND read_on >= %s AND read_on <= %s",
        meter_ids,
        [since, until],
        8,
    )
    baselines = _int_matrix_for_ids(
        f"SELECT meter_id, account_id, CAST({install_sql} AS BIGINT), initial_total, -1, -1, -1, 0 "  # noqa: S608
        f"FROM {MeterInstallation._meta.db_table} WHERE meter_id IN {{ids}} AND installed_on <= %s",
        meter_ids,
        [until],
        8,
    )
    table = np.concatenate([rows, baselines])
    return History(
        meter=table[:, 0].copy(),
        account=table[:, 1].copy(),
        day=table[:, 2].copy(),
        total=table[:, 3].copy(),
        peak=table[:, 4].copy(),
        normal=table[:, 5].copy(),
        offpeak=table[:, 6].copy(),
        rollover=table[:, 7].astype(bool),
        digits_by_meter=digits,
    ), len(rows)


def _day_param(day: int) -> dt.date:
    return day_from_number(day)


def interval_history(
    *, meter_ids: Sequence[int], since: dt.datetime, until: dt.datetime
) -> dict[tuple[int, int], int]:
    """Recorded interval energy (Wh) by (meter id, UTC epoch second of the start) in a time range."""
    adapt = connection.ops.adapt_datetimefield_value
    rows = _rows_for_ids(
        f"SELECT meter_id, start, energy_wh FROM {IntervalReading._meta.db_table} "  # noqa: S608
        f"WHERE meter_id IN {{ids}} AND start >= %s AND start <= %s",
        meter_ids,
        [adapt(since), adapt(until)],
    )
    result = {}
    for meter_id, start, energy in rows:
        if isinstance(start, str):
            start = dt.datetime.fromisoformat(start)
        if start.tzinfo is None:  # SQLite stores UTC without an offset (and may hand back a naive datetime)
            start = start.replace(tzinfo=dt.UTC)
        result[(meter_id, int(start.timestamp()))] = energy
    return result


def reading_imports_recent(*, limit: int = 50) -> QuerySet[ReadingImport]:
    """The latest imports, newest first."""
    return ReadingImport.objects.order_by("-started_at", "-pk")[:limit]


def readings_without_owner() -> dict[str, int]:
    """Readings and interval readings whose meter or account no longer exists (the database does not check)."""
    meters, accounts = Meter.objects.values("pk"), Account.objects.values("pk")
    return {
        "readings_without_meter": Reading.objects.exclude(meter_id__in=meters).count(),
        "readings_without_account": Reading.objects.exclude(account_id__in=accounts).count(),
        "interval_readings_without_meter": IntervalReading.objects.exclude(meter_id__in=meters).count(),
    }


# --- reach of staff (registered in `org.policy.RECORDS` by the app's ready()) ----------------------------


def meters_within_units(queryset: QuerySet[Meter], *, user, unit_ids: list[int]) -> QuerySet[Meter]:
    """Meters currently installed at an account of the units."""
    current = MeterInstallation.objects.filter(
        meter=OuterRef("pk"), removed_on__isnull=True, account__unit__in=unit_ids
    )
    return queryset.filter(Exists(current))


def interval_readings_within_units(
    queryset: QuerySet[IntervalReading], *, user, unit_ids: list[int]
) -> QuerySet[IntervalReading]:
    """Interval data of meters installed (at some time) at an account of the units."""
    served = MeterInstallation.objects.filter(meter=OuterRef("meter_id"), account__unit__in=unit_ids)
    return queryset.filter(Exists(served))


# --- consumption (the rule itself is `metering.consumption`) -------------------------------------------


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


def reading_series(*, readings: QuerySet[Reading]) -> tuple[consumption.ReadingSeries, dict[int, str]]:
    """The readings as a series in the consumption rule's order, and the serials of their meters (one query)."""
    rows = list(
        readings.order_by("account_id", "read_on", "pk").values_list(
            "account_id", "meter_id", "read_on", "pk", "total", "peak", "normal", "offpeak", "rollover",
            "meter__register_digits", "meter__multiplier", "meter__serial",
        )
    )  # fmt: skip
    serials = {row[1]: row[11] for row in rows}

    def column(i: int) -> np.ndarray:
        return np.array([row[i] for row in rows], dtype=np.int64)

    series = consumption.ReadingSeries(
        account=column(0), meter=column(1), day=np.array([row[2].toordinal() for row in rows], dtype=np.int64),
        reading_id=column(3), total=column(4),
        registers=np.array([[-1 if v is None else v for v in row[5:8]] for row in rows], dtype=np.int64).reshape(-1, 3),
        rollover=np.array([row[8] for row in rows], dtype=bool), digits=column(9), multiplier=column(10),
    )  # fmt: skip
    return series, serials


def account_reading_series(*, account: Account) -> tuple[consumption.ReadingSeries, dict[int, str]]:
    """Every register reading of one account, as `reading_series` gives them."""
    return reading_series(readings=Reading.objects.filter(account=account))


# --- interval use of one account (the portal's daily and 30-minute charts) ------------------------------


def _account_intervals(*, account: Account) -> QuerySet[IntervalReading]:
    """Interval data of every meter ever installed at the account."""
    meters = MeterInstallation.objects.filter(account=account).values("meter_id")
    return IntervalReading.objects.filter(meter_id__in=meters)


def account_interval_last_day(*, account: Account) -> dt.date | None:
    """The local date of the account's latest interval reading (None without interval data)."""
    latest = _account_intervals(account=account).aggregate(latest=Max("start"))["latest"]
    return local_date(latest) if latest is not None else None


def account_interval_usage(
    *, account: Account, first_day: dt.date, last_day: dt.date
) -> dict[tuple[dt.date, int], int]:
    """Energy (Wh) of the account's meters by local day and half-hour slot (0–47) over [first_day, last_day].

    One query: the database sums the meters' intervals per local day and half-hour (a replaced meter and
    its successor add up), so a month is at most 31 × 48 rows whatever the number of meters.
    """
    since = dt.datetime.combine(first_day, dt.time(0, 0), tzinfo=BUSINESS_TZ)
    until = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=BUSINESS_TZ)
    rows = (
        _account_intervals(account=account)
        .filter(start__gte=since, start__lt=until)
        .annotate(
            local_day=TruncDate("start", tzinfo=BUSINESS_TZ),
            hour=ExtractHour("start", tzinfo=BUSINESS_TZ),
            minute=ExtractMinute("start", tzinfo=BUSINESS_TZ),
        )
        .values("local_day", "hour", "minute")
        .annotate(wh=Sum("energy_wh"))
        .order_by("local_day", "hour", "minute")
        .values_list("local_day", "hour", "minute", "wh")
    )
    return {(_as_date(day), hour * 2 + minute // 30): int(wh) for day, hour, minute, wh in rows}
