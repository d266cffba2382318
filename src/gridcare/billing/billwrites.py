"""Writing a priced chunk: its bills, their lines, the accounts skipped and the "bill ready" notices.

Bills and lines travel as whole numpy columns (`core.bulk.copy_columns`): one binary COPY each on PostgreSQL,
built with numpy (no text per value on either side), executemany on SQLite. Per bill, Python only makes the
number, its lookup code and, for the few held bills, the reason. Everything is written in the caller's
transaction (the chunk's): a crash half way leaves nothing of the chunk.
"""

import datetime as dt

import numpy as np
from django.conf import settings
from django.db import connection

from gridcare.billing.calculation import ChunkInputs, shock_flags
from gridcare.billing.invoices import invoice_numbers_for, lookup_code
from gridcare.billing.models import Bill, BillLine, BillRun, BillRunSkip
from gridcare.billing.runinputs import previous_totals
from gridcare.core.bulk import Column, bulk_insert, copy_columns, day_numbers, is_postgresql, microseconds
from gridcare.core.formatting import format_vnd, local_date
from gridcare.core.sqlarrays import fetch_int_matrix
from gridcare.notifications.models import Topic
from gridcare.notifications.services import RecipientNumbers, notify
from gridcare.tariffs import engine

_LINE_PERIODS = np.array(["", *engine.PERIODS], dtype=object)  # a line's period code (0: none) as its text


def allocate_ids(*, count: int) -> np.ndarray:
    """Reserve `count` bill ids (the sequence on PostgreSQL; max(id) under the write lock on SQLite)."""
    if is_postgresql():
        return fetch_int_matrix(
            sql="SELECT nextval(pg_get_serial_sequence('billing_bill', 'id')) FROM generate_series(1, %s)",
            params=[count], columns=1,
        )[:, 0]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM billing_bill")
        first = cursor.fetchone()[0] + 1
    return np.arange(first, first + count, dtype=np.int64)


def due_days_by_purpose() -> np.ndarray:
    """Days from issue to the due date for each purpose code of the tariff engine (settings, per purpose)."""
    default = int(getattr(settings, "GRIDCARE_BILL_DUE_DAYS", 10))
    by_purpose = getattr(settings, "GRIDCARE_BILL_DUE_DAYS_BY_PURPOSE", {})
    return np.array(
        [int(by_purpose.get(name, default)) for name in engine.PURPOSES] + [default], dtype=np.int64
    )


def _due_days(*, inputs: ChunkInputs, account_ids: np.ndarray) -> np.ndarray:
    """The due-date delay of each billed account, from its purpose (an unknown purpose: the default)."""
    table = due_days_by_purpose()
    purpose = inputs.purpose[np.searchsorted(inputs.account_id, account_ids)]
    return table[np.where((purpose >= 0) & (purpose < len(engine.PURPOSES)), purpose, len(engine.PURPOSES))]


def write_chunk(
    *,
    run: BillRun,
    bills,
    inputs: ChunkInputs,
    now: dt.datetime,
    threshold: int,
    notify_customers: bool = True,
) -> tuple[int, int]:
    """Write the chunk's bills, lines and skips (and queue "bill ready" notices); returns (created, held)."""
    n = len(bills.account_id)
    if n:
        last_month, last_year = previous_totals(account_ids=bills.account_id, period=run.period)
        held, rise = shock_flags(
            total=bills.total, last_month=last_month, last_year=last_year, threshold_percent=threshold
        )
        ids = allocate_ids(count=n)
        delays = _due_days(inputs=inputs, account_ids=bills.account_id)
        today = local_date(now)
        due_of = {int(d): (today + dt.timedelta(days=int(d))).isoformat() for d in np.unique(delays)}
        _write_bills(run=run, bills=bills, ids=ids, held=held, rise=rise, last_month=last_month, last_year=last_year,
                     delays=delays, now=now, threshold=threshold)  # fmt: skip
        _write_lines(bill_ids=ids, lines=bills.lines)
        if notify_customers:
            # One notice per due date (a chunk has one per purpose at most); the first keeps the chunk's old key.
            for k, (delay, due) in enumerate(sorted(due_of.items())):
                issued = ~held & (delays == delay)
                suffix = f":due{delay}" if k else ""
                bill_ready_notify(
                    account_ids=bills.account_id[issued], totals=bills.total[issued], period=run.period, due=due,
                    key=f"bill_ready:{run.period:%Y-%m}:run{run.pk}:{int(bills.account_id[0])}{suffix}", now=now,
                )  # fmt: skip
    else:
        held = np.zeros(0, dtype=bool)
    if len(bills.skipped_account):
        bulk_insert(
            table=BillRunSkip._meta.db_table,
            columns=["run_id", "account_id", "reason", "detail"],
            rows=zip(
                [run.pk] * len(bills.skipped_account),
                bills.skipped_account.tolist(),
                bills.skipped_reason,
                bills.skipped_detail,
                strict=True,
            ),  # fmt: skip
        )
    return n, int(held.sum())


def _write_bills(*, run, bills, ids, held, rise, last_month, last_year, delays, now, threshold) -> None:
    n = len(ids)
    prefix = f"{run.period:%Y%m}-"
    numbers = [f"{prefix}{i:09d}" for i in ids.tolist()]
    hold_reason = [""] * n
    for i in np.flatnonzero(held).tolist():
        hold_reason[i] = _hold_reason(rise=int(rise[i]), last_month=int(last_month[i]), last_year=int(last_year[i]),
                                      total=int(bills.total[i]), threshold=threshold)  # fmt: skip
    # The e-invoice numbers of the issued bills are given now and written with them (not updated after).
    series, invoice_numbers = invoice_numbers_for(account_ids=bills.account_id, issued=~held, now=now)
    at = microseconds(now)
    today = day_numbers(np.array([local_date(now).toordinal()]))[0]
    int8 = lambda name, values: Column(name, "int8", np.asarray(values, dtype=np.int64))  # noqa: E731
    columns = [
        int8("id", ids), Column("number", "text", numbers),
        Column("lookup_code", "text", [lookup_code(number=x) for x in numbers]),
        Column("kind", "text", Bill.Kind.INVOICE.value), int8("account_id", bills.account_id),
        Column("period", "date", np.full(n, day_numbers(np.array([run.period.toordinal()]))[0])),
        int8("run_id", np.full(n, run.pk)),
        Column("status", "text", np.where(held, Bill.Status.HELD.value, Bill.Status.ISSUED.value).tolist()),
        Column("hold_reason", "text", hold_reason),
        Column("start_date", "date", day_numbers(bills.start_day)), Column("end_date", "date", day_numbers(bills.end_day)),
        Column("days", "int2", bills.end_day - bills.start_day),
        int8("start_index", bills.start_index), int8("end_index", bills.end_index),
        int8("start_reading_id", bills.start_reading), int8("end_reading_id", bills.end_reading),
        Column("households", "int2", bills.households), int8("kwh", bills.kwh), int8("subtotal", bills.subtotal),
        int8("vat", bills.vat), int8("total", bills.total), Column("estimated", "bool", np.zeros(n, dtype=bool)),
        Column("created_at", "timestamptz_us", np.full(n, at, dtype=np.int64)),
        Column("issued_at", "timestamptz_us", np.full(n, at, dtype=np.int64), null=held),
        Column("due_date", "date", today + delays, null=held),
        Column("invoice_series", "text", series),
        Column("invoice_number", "int4", np.maximum(invoice_numbers, 0), null=invoice_numbers < 0),
    ]  # fmt: skip
    copy_columns(table=Bill._meta.db_table, columns=columns, rows=n)


def bill_ready_notify(
    *, account_ids: np.ndarray, totals: np.ndarray, period: dt.date, due: str, key: str, now: dt.datetime
) -> None:
    """Tell each account that its bill is ready, on the channels it chose (in the chunk's transaction)."""
    if not len(account_ids):
        return
    # The period and due date are the chunk's, in the notice; the customer code is added at delivery
    # from the account: per recipient only the amount travels.
    recipients = RecipientNumbers(account_ids=account_ids, numbers={"amount": ("vnd", totals)})
    context = {"period": f"{period:%m/%Y}", "due_on": {"date": due}}
    notify(topic=Topic.BILLS, recipients=recipients, template="bill_ready", context=context, key=key, now=now)


def _write_lines(*, bill_ids: np.ndarray, lines) -> None:
    owner = lines.line_account
    if not len(owner):
        return
    group_start = np.r_[0, np.flatnonzero(owner[1:] != owner[:-1]) + 1]
    first_of_line = np.repeat(group_start, np.diff(np.r_[group_start, len(owner)]))
    position = np.arange(len(owner)) - first_of_line + 1
    tier, limit = np.asarray(lines.line_tier), np.asarray(lines.line_limit)
    columns = [
        Column("bill_id", "int8", bill_ids[owner]), Column("position", "int2", position),
        Column("part_from", "date", day_numbers(lines.line_start)), Column("part_to", "date", day_numbers(lines.line_end)),
        Column("tier", "int2", tier, null=tier == 0),
        Column("period", "text", _LINE_PERIODS[np.asarray(lines.line_period)].tolist()),
        Column("limit_kwh", "int8", np.maximum(limit, 0), null=limit < 0),
        Column("kwh", "int8", lines.line_kwh), Column("unit_price", "int8", lines.line_unit_price),
        Column("amount", "int8", lines.line_amount),
    ]  # fmt: skip
    copy_columns(table=BillLine._meta.db_table, columns=columns, rows=len(owner))


def _vnd(amount: int) -> str:
    """`format_vnd` in Vietnamese (`1.234.567 ₫`) without babel's per-call cost, for whole non-negative đồng."""
    return f"{amount:,}".replace(",", ".") + " ₫" if amount >= 0 else format_vnd(amount)


def _hold_reason(*, rise: int, last_month: int, last_year: int, total: int, threshold: int) -> str:
    compared = []
    if last_month and (total - last_month) * 100 // last_month >= threshold:
        compared.append(f"tháng trước {_vnd(last_month)}")
    if last_year and (total - last_year) * 100 // last_year >= threshold:
        compared.append(f"cùng kỳ năm trước {_vnd(last_year)}")
    return (
        f"Tăng {rise}% ({_vnd(total)}; "
        + ", ".join(compared)
        + f") — từ {threshold}% phải kiểm tra trước khi phát hành."
    )
