"""Staging the recipients of a notice: account ids (a queryset, a list, an array, a mapping of contexts,
or ids with numbers) as unique rows in account order, for the fan-out's one INSERT … SELECT.
"""

import dataclasses
import json
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
from django.db.models import QuerySet

from gridcare.core.bulk import bulk_insert, copy_int64_column, copy_int64_columns, is_postgresql

STAGE_TABLE = "gc_notify_recipients"


@dataclasses.dataclass(frozen=True)
class RecipientNumbers:
    """Recipients with whole numbers of their own (a bill's amount…), for `notify(recipients=…)`.

    `numbers` maps a context key to (unit, values): unit "vnd" or "kwh" gives each row the context
    `{key: {unit: n}}` (how templates format money and energy), None gives `{key: n}`. The arrays travel
    to PostgreSQL in binary and the database builds each row's context; nothing is formatted per
    recipient in Python.
    """

    account_ids: np.ndarray
    numbers: dict[str, tuple[str | None, np.ndarray]]

    UNITS = (None, "vnd", "kwh")

    def __post_init__(self):
        ids = np.asarray(self.account_ids, dtype=np.int64)
        object.__setattr__(self, "account_ids", ids)
        for key, (unit, values) in self.numbers.items():
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", key) or unit not in self.UNITS:
                raise ValueError(f"bad context key or unit: {key!r}, {unit!r}")
            if len(values) != len(ids):
                raise ValueError(f"{key!r}: {len(values)} values for {len(ids)} recipients")
        if len(np.unique(ids)) != len(ids):
            raise ValueError("an account appears twice among the recipients")

    def contexts(self) -> dict[int, dict[str, Any]]:
        """The same as a {account_id: context} mapping (for SQLite)."""
        contexts: dict[int, dict[str, Any]] = {account: {} for account in self.account_ids.tolist()}
        for key, (unit, values) in self.numbers.items():
            for context, n in zip(contexts.values(), np.asarray(values).tolist(), strict=True):
                context[key] = n if unit is None else {unit: n}
        return contexts


def _stage_numbers(cursor, table: str, recipients: RecipientNumbers) -> None:
    """PostgreSQL: binary COPY of the ids and numbers, then one INSERT that builds each context."""
    keys = list(recipients.numbers)
    cursor.execute("DROP TABLE IF EXISTS gc_notify_numbers")
    columns = "".join(f", v{i} bigint" for i in range(len(keys)))
    cursor.execute(
        f"CREATE TEMPORARY TABLE gc_notify_numbers (account_id bigint NOT NULL{columns}) ON COMMIT DROP"
    )
    arrays = {"account_id": recipients.account_ids}
    arrays.update({f"v{i}": np.asarray(recipients.numbers[k][1], dtype=np.int64) for i, k in enumerate(keys)})
    copy_int64_columns(table="gc_notify_numbers", columns=arrays)
    parts = []
    for i, key in enumerate(keys):
        unit = recipients.numbers[key][0]
        parts.append(f"'{key}', " + (f"v{i}" if unit is None else f"jsonb_build_object('{unit}', v{i})"))
    # Keys and units are checked by RecipientNumbers.
    sql = f"INSERT INTO {table} (account_id, context) SELECT account_id, jsonb_build_object({', '.join(parts)}) FROM gc_notify_numbers ORDER BY account_id"  # noqa: S608, E501
    cursor.execute(sql)


def _stage_table_create(cursor) -> str:
    if is_postgresql():
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE_TABLE} (account_id bigint NOT NULL, context jsonb) ON COMMIT DROP"
        )
    else:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGE_TABLE} (account_id integer PRIMARY KEY, context text)"
        )
    cursor.execute(f"DELETE FROM {STAGE_TABLE}")  # noqa: S608 - a constant table name
    return STAGE_TABLE


def _unique_ids(recipients: Any) -> np.ndarray:
    """Account ids as a sorted int64 array without repeats (sort and compare: faster than np.unique's hashing)."""
    try:
        ids = np.array(
            recipients if isinstance(recipients, np.ndarray | list | tuple) else list(recipients),
            dtype=np.int64,
        )
    except (TypeError, ValueError):
        ids = np.fromiter((int(i) for i in recipients), dtype=np.int64)
    ids = np.sort(ids.ravel())
    if len(ids) > 1:
        ids = ids[np.concatenate(([True], ids[1:] != ids[:-1]))]
    return ids


def stage_recipients(cursor, recipients: Any) -> str:
    """Stage the recipients as (account_id, context) rows, unique and in account order; returns the table."""
    table = _stage_table_create(cursor)
    if isinstance(recipients, QuerySet):
        # Staged like a list, in the database: the planner then knows how many recipients there are
        # (a grid query inlined into the fan-out was estimated at 1 % of its rows, and planned for that).
        sql, params = recipients.values("pk").query.sql_with_params()
        # In account order, as a list is staged: the outbox's unique index then grows at its right end.
        cursor.execute(
            f"INSERT INTO {table} (account_id) SELECT DISTINCT q.* FROM ({sql}) q ORDER BY 1",  # noqa: S608
            params,
        )
    elif isinstance(recipients, RecipientNumbers) and is_postgresql():
        _stage_numbers(cursor, table, recipients)
    elif isinstance(recipients, Mapping | RecipientNumbers):
        if isinstance(recipients, RecipientNumbers):
            recipients = recipients.contexts()
        rows = ((int(k), json.dumps(v, ensure_ascii=False)) for k, v in recipients.items())
        bulk_insert(table=table, columns=["account_id", "context"], rows=rows)
    else:
        ids = _unique_ids(recipients)
        if is_postgresql():
            # Binary COPY straight from the array: no text per id on either side.
            copy_int64_column(table=table, column="account_id", values=ids)
        else:
            bulk_insert(table=table, columns=["account_id"], rows=((i,) for i in ids.tolist()))
    # Fresh statistics, so that the planner joins the staged ids to accounts rather than scanning accounts.
    cursor.execute(f"ANALYZE {table}")  # noqa: S608 - a constant table name
    return table


# A list of at most this many ids is written into the statement instead of a temporary table (PostgreSQL).
_INLINE_RECIPIENTS = 1000


def inline_recipients(recipients: Any) -> tuple[str, int, int | None] | None:
    """PostgreSQL, a short list of account ids: (the ids as an SQL array source, their count, the first), else None.

    A temporary table costs a catalog write to create, and a fill, an ANALYZE and a count: four round trips
    that a one-customer notice (a receipt, a one-time code) paid on every call.
    """
    if not is_postgresql() or not isinstance(recipients, np.ndarray | list | tuple | set | frozenset):
        return None
    if len(recipients) > _INLINE_RECIPIENTS:
        return None
    ids = _unique_ids(recipients)
    array = ",".join(str(i) for i in ids.tolist())  # integers of an int64 array: nothing else reaches the SQL
    source = f"(SELECT unnest('{{{array}}}'::bigint[]) AS account_id, NULL::jsonb AS context)"
    return source, len(ids), (int(ids[0]) if len(ids) else None)
