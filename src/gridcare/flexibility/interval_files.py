"""One meter's 30-minute readings from an interval import file, as the baseline engine's days × intervals array.

The file is read and checked by the import's own parser (`gridcare.metering.importing`, docs/readings-import.md):
the same columns, time formats and per-row checks. Nothing is written to the database.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.metering.importing import (
    INTERVAL_SECONDS,
    ImportFileError,
    RowError,
    Table,
    parse_kwh_to_wh,
    parse_moments,
    table_from_file,
)

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class MeterIntervals:
    """`loads`: 1 × days × 48 kWh (NaN where the file has no reading), `days`: one date per day, ascending."""

    loads: np.ndarray
    days: list[dt.date]


def _row_error_message(error: RowError, more: int) -> str:
    message = _("Dòng %(row)d, cột %(column)s, giá trị “%(value)s”: %(reason)s") % {
        "row": error.row, "column": error.column or "—", "value": error.value, "reason": error.reason,
    }  # fmt: skip
    if more:
        message += " " + _("(và %(count)d lỗi khác)") % {"count": more}
    return message


def meter_intervals(
    *, content: bytes, filename: str, serial: str, first_day: dt.date, last_day: dt.date, now: dt.datetime
) -> MeterIntervals:
    """The meter's readings from `first_day` to `last_day` (local dates, inclusive).

    Raises ImportFileError for an unreadable file, a file of register readings, no rows for the meter, or any
    row of the meter that the import would reject (the first one is named); rows of other meters are ignored.
    """
    table, errors = table_from_file(content=content, filename=filename)
    if table.kind != "interval":
        raise ImportFileError(
            _(
                "Tệp này là chỉ số công tơ, không phải dữ liệu 30 phút (cần các cột meter_serial, start, energy_kwh)."
            ),
            code="not_interval",
        )
    mine = [i for i, value in enumerate(table.columns["meter_serial"]) if value == serial]
    if not mine:
        raise ImportFileError(
            _("Tệp không có dòng nào của công tơ %(serial)s.") % {"serial": serial}, code="no_rows"
        )
    rows = Table(
        kind=table.kind, columns={name: [values[i] for i in mine] for name, values in table.columns.items()},
        row_numbers=table.row_numbers[mine],
    )  # fmt: skip
    row_errors: list[RowError] = []
    seconds, _valid_times = parse_moments(rows, "start", row_errors, now=now)
    wh, _valid_energy = parse_kwh_to_wh(rows, "energy_kwh", row_errors)
    if row_errors:
        first = min(row_errors, key=lambda e: e.row)
        raise ImportFileError(_row_error_message(first, len(row_errors) - 1), code="bad_row")
    offset = int(BUSINESS_TZ.utcoffset(dt.datetime.combine(first_day, dt.time(12))).total_seconds())
    local = seconds + offset
    day = local // SECONDS_PER_DAY
    slot = (local % SECONDS_PER_DAY) // INTERVAL_SECONDS
    order = np.lexsort((slot, day))
    key = day[order] * 48 + slot[order]
    repeated = np.flatnonzero(np.diff(key) == 0)
    conflicting = repeated[wh[order][repeated] != wh[order][repeated + 1]]
    if conflicting.size:
        first_row, second_row = (
            rows.row_numbers[order[conflicting[0]]],
            rows.row_numbers[order[conflicting[0] + 1]],
        )
        raise ImportFileError(
            _("Dòng %(row)d lặp lại khoảng 30 phút của dòng %(first)d với giá trị khác.") % {"row": max(first_row, second_row), "first": min(first_row, second_row)},
            code="bad_row",
        )  # fmt: skip
    epoch = dt.date(1970, 1, 1)
    first_number, last_number = (first_day - epoch).days, (last_day - epoch).days
    inside = (day >= first_number) & (day <= last_number)
    loads = np.full((1, last_number - first_number + 1, 48), np.nan)
    loads[0, day[inside] - first_number, slot[inside]] = wh[inside] / 1000.0
    days = [first_day + dt.timedelta(days=k) for k in range(last_number - first_number + 1)]
    return MeterIntervals(loads=loads, days=days)
