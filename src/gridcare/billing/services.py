"""Writes of billing: bill runs (chunked, resumable, idempotent), release of held bills, cancel and re-issue.

A run works in chunks of accounts ordered by id. Each chunk loads its inputs with a fixed number of
set-based queries, prices them with the vectorised tariff engine, and writes bills, lines, skips and the
run's progress in ONE transaction. The unique key (account, period) of standing invoices makes a
re-run after a crash bill exactly the accounts not billed yet.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from gridcare.billing.calculation import ChunkInputs, bills_compute, shock_flags
from gridcare.billing.invoices import invoice_numbers_assign, invoice_numbers_for, lookup_code
from gridcare.billing.models import Bill, BillLine, BillRun, BillRunChunk, BillRunSkip
from gridcare.core.audit import audit_record, audit_records
from gridcare.core.bulk import bulk_insert, is_postgresql
from gridcare.core.formatting import format_vnd, local_date
from gridcare.core.sqlarrays import fetch_int_matrix, ordinal_sql
from gridcare.customers.models import Account
from gridcare.metering.models import ReadingRoute, RouteAccount
from gridcare.notifications.models import Topic
from gridcare.notifications.services import RecipientNumbers, notify
from gridcare.org import policy
from gridcare.tariffs import engine
from gridcare.tariffs.selectors import compiled_catalogue

PERIOD_CODES = {name: i + 1 for i, name in enumerate(engine.PERIODS)}
_PURPOSE_INDEX = {name: i for i, name in enumerate(engine.PURPOSES)}
_VOLTAGE_INDEX = {name: i for i, name in enumerate(engine.VOLTAGES)}


class BillingError(Exception):
    code = "billing_error"


def _month_add(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + year, month + 1, 1)


def bill_run_create(
    *, period: dt.date, route: ReadingRoute | None, user: Any = None, now: dt.datetime, cutover: bool = False
) -> BillRun:
    """Record a run for `period` (any day of the month) and one route, or every route when `route` is None.

    A person (`user`) needs `org.policy`'s "billing.run_route" for a route of their units, or
    "billing.run_all_routes" (the corporation's staff) for every route; `policy.AccessDenied` otherwise.
    `user=None` is the system (the `bill-run` command, the demo), which may bill every route.
    `cutover`: the accounts' first bills open at their last reading before the period, up to which a previous
    system billed them (once, when billing moves to gridcare), not at their first reading.
    """
    if user is not None:
        if route is None:
            policy.require(
                user=user, action="billing.run_all_routes",
                message=_("Chỉ nhân viên cấp tổng công ty mới lập hoá đơn cho mọi lộ trình."),
            )  # fmt: skip
        else:
            policy.require(
                user=user, action="billing.run_route", unit_id=route.unit_id,
                message=_("Cần quyền lập hoá đơn cho lộ trình của đơn vị mình."),
            )  # fmt: skip
    scope = RouteAccount.objects.filter(account__status=Account.Status.ACTIVE)
    if route is not None:
        scope = scope.filter(route=route)
    return BillRun.objects.create(
        period=period.replace(day=1),
        route=route,
        created_at=now,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        accounts_total=scope.count(),
        cutover=cutover,
    )


def _scope(run: BillRun):
    stops = RouteAccount.objects.filter(account__status=Account.Status.ACTIVE)
    return stops.filter(route=run.route_id) if run.route_id else stops


def _code_case(column: str, codes: dict[str, int]) -> str:
    """SQL that maps a text column to the engine's integer codes (-1 for anything unknown)."""
    whens = " ".join(f"WHEN '{name}' THEN {code}" for name, code in codes.items())
    return f"CAST(CASE {column} {whens} ELSE -1 END AS BIGINT)"


def _accounts_sql() -> str:
    """The account columns the engine needs (id, households, purpose and voltage codes), for accounts on a route."""
    return f"""
        SELECT a.id, CAST(a.households AS BIGINT), {_code_case("a.purpose", _PURPOSE_INDEX)},
               {_code_case("a.voltage", _VOLTAGE_INDEX)}
        FROM metering_routeaccount s JOIN customers_account a ON a.id = s.account_id"""  # noqa: S608


def _load_chunk(*, run: BillRun, after_id: int, size: int, upto: int | None = None) -> tuple[ChunkInputs, int] | None:
    """The next `size` accounts of the run (ids > after_id, and ≤ upto if given) not billed yet, their openings and
    readings, and the last id seen.

    Three set-based queries whatever the chunk size; rows come back as int64 matrices (binary COPY on
    PostgreSQL), so no Python object is made per reading.
    """
    route_filter, route_params = ("AND s.route_id = %s", [run.route_id]) if run.route_id else ("", [])
    upto_filter, upto_params = ("AND a.id <= %s", [upto]) if upto is not None else ("", [])
    # The f-strings below only splice in SQL written here (code lists, ordinal expressions); values are parameters.
    accounts = fetch_int_matrix(
        sql=f"""{_accounts_sql()} WHERE a.status = %s AND a.id > %s {upto_filter} {route_filter}
                ORDER BY a.id LIMIT %s""",  # noqa: S608
        params=[Account.Status.ACTIVE.value, after_id, *upto_params, *route_params, size],
        columns=4,
    )
    if not len(accounts):
        return None
    scope_sql = f"a.status = %s AND a.id BETWEEN %s AND %s {route_filter}"
    scope_params = [Account.Status.ACTIVE.value, int(accounts[0, 0]), int(accounts[-1, 0]), *route_params]
    return _load_inputs(run=run, accounts=accounts, scope_sql=scope_sql, scope_params=scope_params), int(accounts[-1, 0])


def _load_inputs(*, run: BillRun, accounts: np.ndarray, scope_sql: str, scope_params: list) -> ChunkInputs:
    """The inputs of `accounts` (rows of the accounts query, sorted by id; `scope_sql` selects them again)."""
    lo, hi = int(accounts[0, 0]), int(accounts[-1, 0])
    # Accounts already billed for this period drop out here: this is what makes re-runs idempotent.
    billed = fetch_int_matrix(
        sql="""SELECT account_id FROM billing_bill WHERE account_id BETWEEN %s AND %s AND period = %s
               AND kind = %s AND status <> %s""",
        params=[lo, hi, run.period, Bill.Kind.INVOICE.value, Bill.Status.CANCELLED.value],
        columns=1,
    )[:, 0]
    accounts = accounts[~np.isin(accounts[:, 0], billed)]
    # Each account's readings from the closing reading of its latest standing invoice before this period (that
    # bill's own columns ride along), or all of them for a first bill: no look-back window, so nothing is lost.
    # The previous invoice is one index probe per account on (account, period). CROSS JOIN (conditions in WHERE) is
    # an inner join that SQLite takes as "accounts first": a range scan of each account's readings from its
    # opening, not every reading of the id range with a bill look-up each; PostgreSQL plans it as any inner join.
    invoice, cancelled = Bill.Kind.INVOICE.value, Bill.Status.CANCELLED.value
    readings = fetch_int_matrix(
        sql=f"""
            SELECT r.id, r.account_id, r.meter_id, {ordinal_sql("r.read_on")}, r.total,
                   COALESCE(r.peak, -1), COALESCE(r.normal, -1), COALESCE(r.offpeak, -1),
                   CAST(CASE WHEN r.rollover THEN 1 ELSE 0 END AS BIGINT), CAST(m.register_digits AS BIGINT),
                   CAST(m.multiplier AS BIGINT), CAST(COALESCE(b.id, -1) AS BIGINT),
                   CAST(COALESCE(b.end_reading_id, -1) AS BIGINT), COALESCE({ordinal_sql("b.end_date")}, 0),
                   CAST(COALESCE(b.end_index, 0) AS BIGINT)
            FROM (SELECT a.id AS account_id,
                         (SELECT p.id FROM billing_bill p WHERE p.account_id = a.id AND p.kind = %s
                          AND p.status <> %s AND p.period < %s ORDER BY p.period DESC LIMIT 1) AS bill_id
                  FROM metering_routeaccount s JOIN customers_account a ON a.id = s.account_id
                  WHERE {scope_sql}) o
            LEFT JOIN billing_bill b ON b.id = o.bill_id
            CROSS JOIN metering_reading r
            JOIN metering_meter m ON m.id = r.meter_id
            WHERE r.account_id = o.account_id AND r.read_on >= COALESCE(b.end_date, %s) AND r.read_on < %s
            ORDER BY r.account_id, r.read_on, r.id""",  # noqa: S608
        params=[invoice, cancelled, run.period, *scope_params, dt.date(1, 1, 1), _month_add(run.period, 1)],
        columns=15,
    )
    # Only readings of the accounts to bill (billed ones are still in the scope).
    readings = readings[np.isin(readings[:, 1], accounts[:, 0])]
    # The opening of each account, from any of its rows (they all carry it); none for accounts without readings.
    first_row = np.r_[True, readings[1:, 1] != readings[:-1, 1]] if len(readings) else np.zeros(0, dtype=bool)
    heads = readings[first_row]
    at = np.searchsorted(accounts[:, 0], heads[:, 1])
    n = len(accounts)
    previous_bill, opening_reading = np.zeros(n, dtype=bool), np.full(n, -1, dtype=np.int64)
    opening_day, opening_total = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    previous_bill[at] = heads[:, 11] >= 0
    opening_reading[at], opening_day[at], opening_total[at] = heads[:, 12], heads[:, 13], heads[:, 14]
    return ChunkInputs(
        account_id=accounts[:, 0].copy(),
        households=accounts[:, 1].copy(),
        purpose=accounts[:, 2].copy(),
        voltage=accounts[:, 3].copy(),
        previous_bill=previous_bill,
        opening_reading=opening_reading,
        opening_day=opening_day,
        opening_total=opening_total,
        reading_id=readings[:, 0].copy(),
        reading_account=readings[:, 1].copy(),
        reading_meter=readings[:, 2].copy(),
        reading_day=readings[:, 3].copy(),
        reading_total=readings[:, 4].copy(),
        reading_registers=readings[:, 5:8].copy(),
        reading_rollover=readings[:, 8].astype(bool),
        reading_digits=readings[:, 9].copy(),
        reading_multiplier=readings[:, 10].copy(),
    )


def _previous_totals(*, account_ids: np.ndarray, period: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Totals of the standing invoices of last month and of the same month last year (0 where none)."""
    last_month, last_year = np.zeros(len(account_ids), dtype=np.int64), np.zeros(len(account_ids), dtype=np.int64)
    if not len(account_ids):
        return last_month, last_year
    previous_month = _month_add(period, -1)
    rows = fetch_int_matrix(
        sql="""SELECT account_id, CASE WHEN period = %s THEN 1 ELSE 0 END, total FROM billing_bill
                WHERE account_id BETWEEN %s AND %s AND kind = %s AND status <> %s AND period IN (%s, %s)""",
        params=[previous_month, int(account_ids.min()), int(account_ids.max()), Bill.Kind.INVOICE.value,
                Bill.Status.CANCELLED.value, previous_month, _month_add(period, -12)],
        columns=3,
    )  # fmt: skip
    at = np.searchsorted(account_ids, rows[:, 0])
    mine = (at < len(account_ids)) & (account_ids[np.minimum(at, len(account_ids) - 1)] == rows[:, 0])
    rows, at = rows[mine], at[mine]
    last_month[at[rows[:, 1] == 1]] = rows[rows[:, 1] == 1, 2]
    last_year[at[rows[:, 1] == 0]] = rows[rows[:, 1] == 0, 2]
    return last_month, last_year


def _allocate_ids(*, count: int) -> np.ndarray:
    """Reserve `count` bill ids (the sequence on PostgreSQL; max(id) under the write lock on SQLite)."""
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('billing_bill', 'id')) FROM generate_series(1, %s)", [count]
            )
            return np.array([r[0] for r in cursor.fetchall()], dtype=np.int64)
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM billing_bill")
        first = cursor.fetchone()[0] + 1
    return np.arange(first, first + count, dtype=np.int64)


def due_days_by_purpose() -> np.ndarray:
    """Days from issue to the due date for each purpose code of the tariff engine (settings, per purpose)."""
    default = int(getattr(settings, "GRIDCARE_BILL_DUE_DAYS", 10))
    by_purpose = getattr(settings, "GRIDCARE_BILL_DUE_DAYS_BY_PURPOSE", {})
    return np.array([int(by_purpose.get(name, default)) for name in engine.PURPOSES] + [default], dtype=np.int64)


def _due_days(*, inputs: ChunkInputs, account_ids: np.ndarray) -> np.ndarray:
    """The due-date delay of each billed account, from its purpose (an unknown purpose: the default)."""
    table = due_days_by_purpose()
    purpose = inputs.purpose[np.searchsorted(inputs.account_id, account_ids)]
    return table[np.where((purpose >= 0) & (purpose < len(engine.PURPOSES)), purpose, len(engine.PURPOSES))]


def _write_chunk(
    *, run: BillRun, bills, inputs: ChunkInputs, now: dt.datetime, threshold: int, notify_customers: bool = True
) -> tuple[int, int]:
    """Write the chunk's bills, lines and skips (and queue "bill ready" notices); returns (created, held)."""
    n = len(bills.account_id)
    if n:
        last_month, last_year = _previous_totals(account_ids=bills.account_id, period=run.period)
        held, rise = shock_flags(
            total=bills.total, last_month=last_month, last_year=last_year, threshold_percent=threshold
        )
        ids = _allocate_ids(count=n)
        delays = _due_days(inputs=inputs, account_ids=bills.account_id)
        today = local_date(now)
        due_of = {int(d): (today + dt.timedelta(days=int(d))).isoformat() for d in np.unique(delays)}
        # The text the ORM would store: on SQLite UTC without offset ('YYYY-MM-DD HH:MM:SS[.ffffff]'), which is
        # what its `__date` and range lookups compare against; on PostgreSQL the aware value itself.
        created = str(connection.ops.adapt_datetimefield_value(now))
        prefix = f"{run.period:%Y%m}-"
        held_rows = np.flatnonzero(held).tolist()
        status = np.where(held, Bill.Status.HELD.value, Bill.Status.ISSUED.value).tolist()
        hold_reason = [""] * n
        for i in held_rows:
            hold_reason[i] = _hold_reason(rise=int(rise[i]), last_month=int(last_month[i]), last_year=int(last_year[i]),
                                          total=int(bills.total[i]), threshold=threshold)  # fmt: skip
        numbers = [f"{prefix}{i:09d}" for i in ids.tolist()]
        issued_at, due_date = [created] * n, [due_of[d] for d in delays.tolist()]
        for i in held_rows:
            issued_at[i] = due_date[i] = None
        # Column by column: a handful of distinct days, so dates are looked up, not formatted per bill.
        columns = {
            "id": ids.tolist(), "number": numbers, "lookup_code": [lookup_code(number=x) for x in numbers],
            "kind": [Bill.Kind.INVOICE.value] * n, "account_id": bills.account_id.tolist(),
            "period": [run.period.isoformat()] * n, "run_id": [run.pk] * n, "status": status,
            "hold_reason": hold_reason, "start_date": _iso_days(bills.start_day), "end_date": _iso_days(bills.end_day),
            "days": (bills.end_day - bills.start_day).tolist(), "start_index": bills.start_index.tolist(),
            "end_index": bills.end_index.tolist(), "start_reading_id": bills.start_reading.tolist(),
            "end_reading_id": bills.end_reading.tolist(), "households": bills.households.tolist(),
            "kwh": bills.kwh.tolist(), "subtotal": bills.subtotal.tolist(), "vat": bills.vat.tolist(),
            "total": bills.total.tolist(), "estimated": [False] * n, "created_at": [created] * n,
            "issued_at": issued_at, "due_date": due_date,
        }  # fmt: skip
        # The e-invoice numbers of the issued bills are given now and written with them (not updated after).
        series, invoice_numbers = invoice_numbers_for(account_ids=bills.account_id, issued=~held, now=now)
        columns["invoice_series"] = series
        columns["invoice_number"] = [None if x < 0 else x for x in invoice_numbers.tolist()]
        bulk_insert(table=Bill._meta.db_table, columns=list(columns), rows=zip(*columns.values(), strict=True))
        _write_lines(bill_ids=ids, lines=bills.lines)
        if notify_customers:
            # One notice per due date (a chunk has one per purpose at most); the first keeps the chunk's old key.
            for k, (delay, due) in enumerate(sorted(due_of.items())):
                issued = ~held & (delays == delay)
                suffix = f":due{delay}" if k else ""
                _bill_ready_notify(
                    account_ids=bills.account_id[issued], totals=bills.total[issued], period=run.period, due=due,
                    key=f"bill_ready:{run.period:%Y-%m}:run{run.pk}:{int(bills.account_id[0])}{suffix}", now=now,
                )  # fmt: skip
    else:
        held = np.zeros(0, dtype=bool)
    if len(bills.skipped_account):
        bulk_insert(
            table=BillRunSkip._meta.db_table,
            columns=["run_id", "account_id", "reason", "detail"],
            rows=zip([run.pk] * len(bills.skipped_account), bills.skipped_account.tolist(), bills.skipped_reason,
                     bills.skipped_detail, strict=True),  # fmt: skip
        )
    return n, int(held.sum())


def _bill_ready_notify(
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
    periods = ("", *engine.PERIODS)
    cols = [
        bill_ids[owner].tolist(), position.tolist(), _iso_days(lines.line_start), _iso_days(lines.line_end),
        [t or None for t in lines.line_tier.tolist()], [periods[p] for p in lines.line_period.tolist()],
        [None if v < 0 else v for v in lines.line_limit.tolist()], lines.line_kwh.tolist(),
        lines.line_unit_price.tolist(), lines.line_amount.tolist(),
    ]  # fmt: skip
    bulk_insert(
        table=BillLine._meta.db_table,
        columns=["bill_id", "position", "part_from", "part_to", "tier", "period", "limit_kwh", "kwh", "unit_price", "amount"],
        rows=zip(*cols, strict=True),
    )


def _iso_days(ordinals: np.ndarray) -> list[str]:
    """ISO dates of day ordinals, formatting each distinct day once."""
    distinct, inverse = np.unique(ordinals, return_inverse=True)
    names = np.array([dt.date.fromordinal(int(d)).isoformat() for d in distinct], dtype=object)
    return names[inverse].tolist()


def _vnd(amount: int) -> str:
    """`format_vnd` in Vietnamese (`1.234.567 ₫`) without babel's per-call cost, for whole non-negative đồng."""
    return f"{amount:,}".replace(",", ".") + " ₫" if amount >= 0 else format_vnd(amount)


def _hold_reason(*, rise: int, last_month: int, last_year: int, total: int, threshold: int) -> str:
    compared = []
    if last_month and (total - last_month) * 100 // last_month >= threshold:
        compared.append(f"tháng trước {_vnd(last_month)}")
    if last_year and (total - last_year) * 100 // last_year >= threshold:
        compared.append(f"cùng kỳ năm trước {_vnd(last_year)}")
    return f"Tăng {rise}% ({_vnd(total)}; " + ", ".join(compared) + f") — từ {threshold}% phải kiểm tra trước khi phát hành."


def bill_run_execute(
    *,
    run: BillRun,
    now: dt.datetime,
    chunk_size: int = 20_000,
    stop_after_chunks: int | None = None,
    progress=None,
    notify_customers: bool = True,
) -> BillRun:
    """Bill every account of the run not billed yet, chunk by chunk; safe to call again after any crash.

    `stop_after_chunks` ends the call early (as a crash would, between chunks) — for tests and for
    running a huge run in slices. A run that raises is marked failed with its error, then re-raised.
    Each issued bill queues a "bill ready" notice in its chunk's transaction (`notify_customers=False`
    for back-filling history).
    """
    try:
        return _bill_run_execute(run=run, now=now, chunk_size=chunk_size, stop_after_chunks=stop_after_chunks,
                                 progress=progress, notify_customers=notify_customers)  # fmt: skip
    except Exception as exc:
        BillRun.objects.filter(pk=run.pk).update(status=BillRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise


@dataclass(frozen=True)
class _RunContext:
    """What every chunk of one run reads once: the catalogue, the run's period and the settings."""

    run: BillRun
    now: dt.datetime
    catalogue: Any
    threshold: int
    period_first: int
    period_next: int
    notify_customers: bool


def _run_context(*, run: BillRun, now: dt.datetime, notify_customers: bool) -> _RunContext:
    return _RunContext(
        run=run, now=now, catalogue=compiled_catalogue(),
        threshold=int(getattr(settings, "GRIDCARE_BILL_SHOCK_PERCENT", 30)),
        period_first=run.period.toordinal(), period_next=_month_add(run.period, 1).toordinal(),
        notify_customers=notify_customers,
    )  # fmt: skip


def _fast_commit() -> None:
    if is_postgresql():
        # A chunk lost by a crash right after COMMIT is simply billed again by the next run (the unique
        # key makes that safe), so the commit need not wait for the WAL flush.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _bill_slice(*, ctx: _RunContext, after_id: int, size: int, upto: int | None = None) -> int | None:
    """Bill the next accounts after `after_id` (at most `size`, up to `upto`), in the caller's transaction.

    Returns the last account id seen, or None when no account of the slice is left to bill.
    """
    run = ctx.run
    loaded = _load_chunk(run=run, after_id=after_id, size=size, upto=upto)
    if loaded is None:
        return None
    inputs, last_id = loaded
    bills = bills_compute(inputs=inputs, period_first=ctx.period_first, period_next=ctx.period_next,
                          catalogue=ctx.catalogue, cutover=run.cutover)  # fmt: skip
    # The accounts of this chunk not billed yet are judged afresh: an earlier attempt's skips of them
    # (billed now, or skipped for another reason) go, so the run lists only what is still unbilled.
    forgotten, _kinds = BillRunSkip.objects.filter(run=run, account_id__gt=after_id, account_id__lte=last_id).delete()
    created, held = _write_chunk(run=run, bills=bills, inputs=inputs, now=ctx.now, threshold=ctx.threshold,
                                 notify_customers=ctx.notify_customers)  # fmt: skip
    scanned = _scope(run).filter(account_id__gt=after_id, account_id__lte=last_id).count()
    BillRun.objects.filter(pk=run.pk).update(
        accounts_done=F("accounts_done") + scanned,
        bills_created=F("bills_created") + created,
        bills_held=F("bills_held") + held,
        accounts_skipped=F("accounts_skipped") + len(bills.skipped_account) - forgotten,
    )
    return last_id


def _bill_run_finish(*, run: BillRun, now: dt.datetime) -> None:
    BillRun.objects.filter(pk=run.pk).update(
        status=BillRun.Status.DONE, finished_at=now, error="", accounts_skipped=BillRunSkip.objects.filter(run=run).count(),
        bills_created=Bill.objects.filter(run=run, kind=Bill.Kind.INVOICE).count(),
    )


def _bill_run_execute(*, run, now, chunk_size, stop_after_chunks, progress, notify_customers) -> BillRun:
    ctx = _run_context(run=run, now=now, notify_customers=notify_customers)
    BillRun.objects.filter(pk=run.pk).update(
        status=BillRun.Status.RUNNING, started_at=run.started_at or now, error="",
    )
    # Progress restarts from what is already in the database, so a resumed run reports true numbers.
    BillRun.objects.filter(pk=run.pk).update(accounts_done=0)
    after_id, chunks = 0, 0
    while True:
        if stop_after_chunks is not None and chunks >= stop_after_chunks:
            run.refresh_from_db()
            return run
        with transaction.atomic():
            _fast_commit()
            # One chunk at a time per run, even if two workers were started on it.
            BillRun.objects.select_for_update().filter(pk=run.pk).first()
            last_id = _bill_slice(ctx=ctx, after_id=after_id, size=chunk_size)
            if last_id is None:
                break
        after_id, chunks = last_id, chunks + 1
        if progress is not None:
            run.refresh_from_db(fields=["accounts_done", "accounts_total", "bills_created"])
            progress(run)
    _bill_run_finish(run=run, now=now)
    run.refresh_from_db()
    return run


# --- a run spread over many workers: planned into chunks, each chunk a task (billing.tasks) -----------------


def bill_run_plan(*, run: BillRun, now: dt.datetime, chunk_size: int) -> list[int]:
    """Split the run's accounts into chunks of `chunk_size` (once; a re-plan only adds accounts beyond the last
    chunk) and return the `after_id` of every chunk still pending, for the caller to queue."""
    route_filter, route_params = ("AND s.route_id = %s", [run.route_id]) if run.route_id else ("", [])
    with transaction.atomic():
        locked = BillRun.objects.select_for_update().get(pk=run.pk)
        planned_to = BillRunChunk.objects.filter(run=run).order_by("-last_id").values_list("last_id", flat=True).first()
        ids = fetch_int_matrix(
            sql=f"""SELECT a.id FROM metering_routeaccount s JOIN customers_account a ON a.id = s.account_id
                    WHERE a.status = %s AND a.id > %s {route_filter} ORDER BY a.id""",  # noqa: S608
            params=[Account.Status.ACTIVE.value, planned_to or 0, *route_params],
            columns=1,
        )[:, 0]
        if len(ids):
            starts = np.arange(0, len(ids), chunk_size)
            after = np.where(starts > 0, ids[np.maximum(starts - 1, 0)], planned_to or 0)
            last = ids[np.minimum(starts + chunk_size, len(ids)) - 1]
            BillRunChunk.objects.bulk_create(
                [BillRunChunk(run=run, after_id=int(a), last_id=int(b)) for a, b in zip(after, last, strict=True)],
                ignore_conflicts=True,
            )
        if planned_to is None:
            BillRun.objects.filter(pk=run.pk).update(
                status=BillRun.Status.RUNNING, started_at=locked.started_at or now, error="", accounts_done=0
            )
        pending = BillRunChunk.objects.filter(run=run, status=BillRunChunk.Status.PENDING)
        pending.update(enqueued_at=now)
        return list(pending.order_by("after_id").values_list("after_id", flat=True))


def bill_run_chunk_execute(*, run: BillRun, after_id: int, now: dt.datetime, notify_customers: bool = True) -> bool:
    """Bill one planned chunk of `run` unless it is done or another worker holds it; True if this call billed it.

    The chunk's row is locked for the transaction (a second worker on the same chunk skips it on PostgreSQL and
    waits, then finds it done, on SQLite), and the run is finished by whichever chunk completes it.
    """
    ctx = _run_context(run=run, now=now, notify_customers=notify_customers)
    try:
        with transaction.atomic():
            _fast_commit()
            chunks = BillRunChunk.objects.filter(run=run, after_id=after_id, status=BillRunChunk.Status.PENDING)
            chunk = chunks.select_for_update(skip_locked=is_postgresql()).first()
            if chunk is None:
                return False
            _bill_slice(ctx=ctx, after_id=chunk.after_id, size=chunk.last_id - chunk.after_id, upto=chunk.last_id)
            BillRunChunk.objects.filter(pk=chunk.pk).update(status=BillRunChunk.Status.DONE, done_at=now)
    except Exception as exc:
        BillRun.objects.filter(pk=run.pk).update(status=BillRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    if not BillRunChunk.objects.filter(run=run, status=BillRunChunk.Status.PENDING).exists():
        _bill_run_finish(run=run, now=now)
    return True


def bill_run_chunks_stale(*, run: BillRun, now: dt.datetime, lease_seconds: int) -> list[int]:
    """The pending chunks queued more than `lease_seconds` ago (their worker died, or the queue lost them),
    marked queued again now; the caller queues them. A chunk queued twice is billed once."""
    with transaction.atomic():
        stale = BillRunChunk.objects.select_for_update().filter(
            run=run, status=BillRunChunk.Status.PENDING, enqueued_at__lt=now - dt.timedelta(seconds=lease_seconds)
        )
        after_ids = list(stale.order_by("after_id").values_list("after_id", flat=True))
        BillRunChunk.objects.filter(run=run, after_id__in=after_ids).update(enqueued_at=now)
    return after_ids


def bill_release(*, bill: Bill, user: Any = None, now: dt.datetime) -> Bill:
    """Issue one bill held for review (staff checked it); refuses a bill that is not held."""
    with transaction.atomic():
        if not bills_release(bills=[bill.pk], user=user, now=now):
            raise BillingError("Chỉ phát hành được hoá đơn đang chờ kiểm tra.")
    return Bill.objects.get(pk=bill.pk)


@transaction.atomic
def bills_release(*, bills: QuerySet[Bill] | Iterable[int], user: Any = None, now: dt.datetime) -> int:
    """Issue every bill held for review among `bills` (a queryset or ids) at once; returns how many.

    One set-based UPDATE, one INSERT of audit entries and one "bill ready" notice per period (the notice's
    text names the period; a release is normally one run's period, so one notice), whatever the number of
    bills. The notice's key is made of the released bills, so a retry of the same release queues nothing twice.
    Bills that are not held (issued meanwhile, cancelled) are left as they are.
    """
    chosen = bills.values("pk") if isinstance(bills, QuerySet) else [int(pk) for pk in bills]
    held = Bill.objects.filter(pk__in=chosen, status=Bill.Status.HELD, kind=Bill.Kind.INVOICE)
    # Locked (the write lock on SQLite, IMMEDIATE transactions): the UPDATE below changes exactly these rows.
    rows = list(held.select_for_update().order_by("period", "account_id", "pk").values_list("pk", "account_id", "period", "total"))
    if not rows:
        return 0
    # The due date by each account's purpose: one UPDATE per purpose (five at most), never one per bill.
    today = local_date(now)
    delays = dict(zip(engine.PURPOSES, due_days_by_purpose().tolist(), strict=False))
    default = int(getattr(settings, "GRIDCARE_BILL_DUE_DAYS", 10))
    for purpose in sorted(set(held.values_list("account__purpose", flat=True).distinct())):
        due_on = today + dt.timedelta(days=delays.get(purpose, default))
        Bill.objects.filter(pk__in=held.filter(account__purpose=purpose).values("pk")).update(
            status=Bill.Status.ISSUED, issued_at=now, due_date=due_on
        )
    released = Bill.objects.filter(pk__in=[pk for pk, _a, _p, _t in rows])
    invoice_numbers_assign(bills=released, now=now)
    audit_records(action="update", object_type="billing.bill", user=user, reason="release", now=now,
                  changes=[(pk, {"status": "held"}, {"status": "issued"}) for pk, _a, _p, _t in rows])  # fmt: skip
    due_of = dict(released.values_list("pk", "due_date"))
    table = np.array([(pk, account, total) for pk, account, _p, total in rows], dtype=np.int64).reshape(-1, 3)
    groups = [(period, due_of[pk]) for pk, _a, period, _t in rows]
    for period, due in sorted(set(groups)):
        mine = np.array([g == (period, due) for g in groups])
        ids = table[mine, 0]
        digest = hashlib.sha256(ids.tobytes()).hexdigest()[:24]
        _bill_ready_notify(account_ids=table[mine, 1], totals=table[mine, 2], period=period, due=due.isoformat(),
                           key=f"bill_ready:release:{period:%Y-%m}:{len(ids)}:{digest}", now=now)  # fmt: skip
    return len(rows)


@transaction.atomic
def bill_cancel(*, bill: Bill, reason: str, user: Any = None, now: dt.datetime) -> Bill | None:
    """Cancel a bill: an issued one by a credit note that refers to it (the same lines negated); returns the note.

    A bill held for review was never sent to the customer, so there is nothing to credit: it is only marked
    cancelled (audited, with the reason) and None is returned. Customers never see it (it was never issued).
    """
    bill = Bill.objects.select_for_update().get(pk=bill.pk)
    if bill.kind != Bill.Kind.INVOICE or bill.status == Bill.Status.CANCELLED:
        raise BillingError("Hoá đơn này đã huỷ hoặc không phải hoá đơn bán điện.")
    note = None
    if bill.status == Bill.Status.ISSUED:
        note = Bill.objects.create(
            number=f"DC-{bill.number}", kind=Bill.Kind.CREDIT_NOTE, account_id=bill.account_id, period=bill.period,
            run=None, status=Bill.Status.ISSUED, hold_reason=reason[:300], start_date=bill.start_date,
            end_date=bill.end_date, days=bill.days, start_index=bill.start_index, end_index=bill.end_index,
            households=bill.households, kwh=-bill.kwh, subtotal=-bill.subtotal, vat=-bill.vat, total=-bill.total,
            created_at=now, issued_at=now, refers_to=bill, lookup_code=lookup_code(number=f"DC-{bill.number}"),
        )  # fmt: skip
        invoice_numbers_assign(bills=Bill.objects.filter(pk=note.pk), now=now)
        BillLine.objects.bulk_create(
            BillLine(bill=note, position=line.position, part_from=line.part_from, part_to=line.part_to, tier=line.tier,
                     period=line.period, limit_kwh=line.limit_kwh, kwh=-line.kwh, unit_price=line.unit_price,
                     amount=-line.amount)
            for line in bill.lines.order_by("position")
        )  # fmt: skip
    Bill.objects.filter(pk=bill.pk).update(status=Bill.Status.CANCELLED)
    after = {"status": "cancelled", "credit_note": note.number if note else None}
    audit_record(action="update", object_type="billing.bill", object_id=bill.pk, before={"status": bill.status},
                 after=after, user=user, reason=reason)  # fmt: skip
    return note


def bill_reissue(*, bill: Bill, reason: str, user: Any = None, now: dt.datetime) -> Bill:
    """Cancel `bill` and bill its account again for the same period from the readings as they are now.

    Only that account is loaded; if it cannot be billed (no reading, no tariff, …) nothing changes and the
    reason is raised as a `BillingError`.
    """
    with transaction.atomic():
        bill_cancel(bill=bill, reason=reason, user=user, now=now)
        run = BillRun.objects.create(period=bill.period, route=None, created_at=now, accounts_total=1,
                                     created_by=user if getattr(user, "is_authenticated", False) else None)  # fmt: skip
        inputs = _load_single(account_id=bill.account_id, run=run)
        # A first bill made at a cutover opened at the reading before its period: so does its re-issue.
        cutover = bool(bill.run_id and BillRun.objects.filter(pk=bill.run_id, cutover=True).exists())
        bills = bills_compute(
            inputs=inputs, period_first=run.period.toordinal(), period_next=_month_add(run.period, 1).toordinal(),
            catalogue=compiled_catalogue(), cutover=cutover,
        )
        if set(bills.account_id.tolist()) - {bill.account_id}:
            raise BillingError(_("Dữ liệu lập lại hoá đơn lẫn khách hàng khác: không lập lại."))  # a bug, never a bill
        if not len(bills.account_id):
            why = bills.skipped_reason[0] if bills.skipped_reason else BillRunSkip.Reason.NO_READING
            raise BillingError(
                _("Không lập lại được hoá đơn: %(reason)s.") % {"reason": BillRunSkip.Reason(why).label}
            )
        threshold = int(getattr(settings, "GRIDCARE_BILL_SHOCK_PERCENT", 30))
        _write_chunk(run=run, bills=bills, inputs=inputs, now=now, threshold=threshold)
        BillRun.objects.filter(pk=run.pk).update(status=BillRun.Status.DONE, finished_at=now, accounts_done=1,
                                                 bills_created=len(bills.account_id))  # fmt: skip
        new = Bill.objects.get(run=run, account_id=bill.account_id)
        Bill.objects.filter(pk=new.pk).update(replaces=bill)
        new.refresh_from_db()
        return new


def _load_single(*, account_id: int, run: BillRun) -> ChunkInputs:
    """Exactly this account's inputs (whatever its status), or a `BillingError` saying why there are none."""
    accounts = fetch_int_matrix(
        sql=f"{_accounts_sql()} WHERE a.id = %s",  # noqa: S608
        params=[account_id],
        columns=4,
    )
    if not len(accounts):
        raise BillingError(_("Khách hàng không thuộc lộ trình ghi chỉ số nào."))
    return _load_inputs(run=run, accounts=accounts, scope_sql="a.id BETWEEN %s AND %s", scope_params=[account_id, account_id])
