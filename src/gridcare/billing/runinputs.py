"""What a bill run reads: a chunk's accounts, where each bill opens, their readings and previous totals.

Set-based whatever the chunk size: a fixed number of queries, rows back as int64 matrices (binary COPY on
PostgreSQL), no Python object per reading. `billing.runs` prices what this returns and `billing.billwrites`
writes the bills.
"""

import datetime as dt

import numpy as np
from django.utils.translation import gettext_lazy as _

from gridcare.billing.calculation import ChunkInputs
from gridcare.billing.errors import BillingError
from gridcare.billing.models import Bill, BillRun
from gridcare.core.sqlarrays import fetch_int_matrix, ordinal_sql
from gridcare.customers.models import Account
from gridcare.tariffs import engine

_PURPOSE_INDEX = {name: i for i, name in enumerate(engine.PURPOSES)}
_VOLTAGE_INDEX = {name: i for i, name in enumerate(engine.VOLTAGES)}


def month_add(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + year, month + 1, 1)


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


def load_chunk(
    *, run: BillRun, after_id: int, size: int, upto: int | None = None
) -> tuple[ChunkInputs, int] | None:
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
    return load_inputs(run=run, accounts=accounts, scope_sql=scope_sql, scope_params=scope_params), int(
        accounts[-1, 0]
    )


def load_inputs(*, run: BillRun, accounts: np.ndarray, scope_sql: str, scope_params: list) -> ChunkInputs:
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
        params=[invoice, cancelled, run.period, *scope_params, dt.date(1, 1, 1), month_add(run.period, 1)],
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


def load_single(*, account_id: int, run: BillRun) -> ChunkInputs:
    """Exactly this account's inputs (whatever its status), or a `BillingError` saying why there are none."""
    accounts = fetch_int_matrix(
        sql=f"{_accounts_sql()} WHERE a.id = %s",  # noqa: S608
        params=[account_id],
        columns=4,
    )
    if not len(accounts):
        raise BillingError(_("Khách hàng không thuộc lộ trình ghi chỉ số nào."))
    return load_inputs(
        run=run, accounts=accounts, scope_sql="a.id BETWEEN %s AND %s", scope_params=[account_id, account_id]
    )


def previous_totals(*, account_ids: np.ndarray, period: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Totals of the standing invoices of last month and of the same month last year (0 where none)."""
    last_month, last_year = (
        np.zeros(len(account_ids), dtype=np.int64),
        np.zeros(len(account_ids), dtype=np.int64),
    )
    if not len(account_ids):
        return last_month, last_year
    previous_month = month_add(period, -1)
    rows = fetch_int_matrix(
        sql="""SELECT account_id, CASE WHEN period = %s THEN 1 ELSE 0 END, total FROM billing_bill
                WHERE account_id BETWEEN %s AND %s AND kind = %s AND status <> %s AND period IN (%s, %s)""",
        params=[previous_month, int(account_ids.min()), int(account_ids.max()), Bill.Kind.INVOICE.value,
                Bill.Status.CANCELLED.value, previous_month, month_add(period, -12)],
        columns=3,
    )  # fmt: skip
    at = np.searchsorted(account_ids, rows[:, 0])
    mine = (at < len(account_ids)) & (account_ids[np.minimum(at, len(account_ids) - 1)] == rows[:, 0])
    rows, at = rows[mine], at[mine]
    last_month[at[rows[:, 1] == 1]] = rows[rows[:, 1] == 1, 2]
    last_year[at[rows[:, 1] == 0]] = rows[rows[:, 1] == 0, 2]
    return last_month, last_year
