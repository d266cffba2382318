"""Column-wise bulk writes of numpy arrays: binary COPY on PostgreSQL, executemany on SQLite.

`gridcare.core.bulk.bulk_insert` takes rows of Python values and escapes every value one by one; for
the tens of millions of demo readings that is the slow part. Here whole columns become PostgreSQL's
binary COPY format with numpy (lengths, offsets and one scatter per column), and only text columns
are encoded in Python. On SQLite the columns become Python lists for one `executemany` per chunk.
"""

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection, models


@dataclass
class Nullable:
    """An array column whose rows are NULL where `present` is false."""

    values: np.ndarray
    present: np.ndarray


def _column(value: Any, a: int, b: int) -> list:
    """Rows a..b of one column as Python values for SQLite."""
    if isinstance(value, Nullable):
        cells = _column(value.values, a, b)
        for i in np.flatnonzero(~value.present[a:b]).tolist():
            cells[i] = None
        return cells
    if isinstance(value, list):
        return value[a:b]
    if not isinstance(value, np.ndarray):
        return [int(value) if isinstance(value, bool) else value] * (b - a)
    part = value[a:b]
    kind = part.dtype.kind
    if kind in "iuU":
        return part.tolist()
    if kind == "b":
        return part.astype(int).tolist()
    if kind == "M":
        if np.datetime_data(part.dtype)[0] == "D":
            missing = np.isnat(part)
            if missing.all():
                return [None] * len(part)
            part = np.where(missing, part[~missing][0], part)  # NaT rows are NULL through Nullable
            first = part.min()
            days = np.arange(first, part.max() + 1).astype(str)
            return days[(part - first).astype(np.int64)].tolist()
        # Few distinct moments repeat over many rows: format each once. Aware moments are stored by
        # Django's SQLite backend as naive UTC text with a space.
        distinct, inverse = np.unique(part, return_inverse=True)
        return np.strings.replace(np.datetime_as_string(distinct, unit="s"), "T", " ")[inverse].tolist()
    raise TypeError(f"unsupported column dtype {part.dtype}")


PG_EPOCH_DAYS = 10_957  # 2000-01-01, PostgreSQL's binary epoch, in days since 1970-01-01
PG_TYPES = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2", "boolean": "u1", "date": ">i4",
            "timestamp with time zone": ">i8"}  # fmt: skip
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8


def _binary_field(value: Any, a: int, b: int, pg_type: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows a..b of one column as (byte length per row, -1 for NULL; the bytes of the non-NULL rows)."""
    n = b - a
    if isinstance(value, Nullable):
        present = value.present[a:b]
        lengths, data = _binary_field(value.values, a, b, pg_type)
        if lengths.min(initial=0) >= 0 and pg_type in PG_TYPES:
            width = np.dtype(PG_TYPES[pg_type]).itemsize
            return np.where(present, width, -1).astype(np.int64), data.reshape(n, width)[present].reshape(-1)
        raise TypeError("only fixed-width columns can be Nullable")
    if value is None:
        return np.full(n, -1, np.int64), np.zeros(0, np.uint8)
    if not isinstance(value, np.ndarray | list):
        value = np.full(n, value) if not isinstance(value, str) else [value] * n
        a, b = 0, n
    if pg_type in PG_TYPES:
        part = value[a:b]
        if pg_type == "date":
            part = part.astype("datetime64[D]").astype(np.int64) - PG_EPOCH_DAYS
        elif pg_type == "timestamp with time zone":
            part = part.astype("datetime64[us]").astype(np.int64) - PG_EPOCH_DAYS * 86_400_000_000
        fixed = np.ascontiguousarray(np.asarray(part).astype(PG_TYPES[pg_type]))
        return np.full(n, fixed.itemsize, np.int64), fixed.view(np.uint8).reshape(-1)
    part = value[a:b].tolist() if isinstance(value, np.ndarray) else value[a:b]
    encoded = [text.encode() for text in part]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
    return lengths, np.frombuffer(b"".join(encoded), dtype=np.uint8)


def _binary_copy(values: list[Any], types: list[str], a: int, b: int) -> bytes:
    """Rows a..b in PostgreSQL's binary COPY format (header, tuples, trailer)."""
    n = b - a
    fields = [_binary_field(v, a, b, t) for v, t in zip(values, types, strict=True)]
    row_size = 2 + sum(4 + np.maximum(lengths, 0) for lengths, _ in fields)
    row_start = len(COPY_HEADER) + np.concatenate([[0], np.cumsum(row_size)[:-1]])
    buffer = np.empty(len(COPY_HEADER) + int(row_size.sum()) + 2, np.uint8)
    buffer[: len(COPY_HEADER)] = np.frombuffer(COPY_HEADER, np.uint8)
    buffer[-2:] = 255  # trailer: field count -1
    buffer[row_start[:, None] + np.arange(2)] = np.frombuffer(
        np.array(len(values), ">i2").tobytes(), np.uint8
    )
    position = row_start + 2
    for lengths, data in fields:
        buffer[position[:, None] + np.arange(4)] = lengths.astype(">i4").view(np.uint8).reshape(n, 4)
        position = position + 4
        size = np.maximum(lengths, 0)
        if len(data):
            source_start = np.cumsum(size) - size
            buffer[np.repeat(position - source_start, size) + np.arange(len(data))] = data
        position = position + size
    return buffer.tobytes()


def insert_columns(
    *, model: type[models.Model], columns: Mapping[str, Any], chunk_size: int = 100_000
) -> int:
    """Insert one row per array position into `model`'s table (field names as keys); returns the row count."""
    arrays = [v for v in columns.values() if isinstance(v, np.ndarray | list | Nullable)]
    if not arrays:
        raise ValueError("at least one column must be an array")
    first = arrays[0]
    size = len(first.values if isinstance(first, Nullable) else first)
    meta = model._meta
    names = [meta.get_field(name).column for name in columns]
    qn = connection.ops.quote_name
    column_sql = ", ".join(qn(c) for c in names)
    postgres = connection.vendor == "postgresql"
    connection.ensure_connection()
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = %s::regclass",
                [meta.db_table],
            )
            types = dict(cursor.fetchall())
            column_types = [types[c] for c in names]
        for a in range(0, size, chunk_size):
            b = min(size, a + chunk_size)
            if postgres:
                data = _binary_copy(list(columns.values()), column_types, a, b)
                with cursor.cursor.copy(
                    f"COPY {qn(meta.db_table)} ({column_sql}) FROM STDIN (FORMAT BINARY)"
                ) as copy:
                    copy.write(data)
            else:
                cells = [_column(v, a, b) for v in columns.values()]
                placeholders = ", ".join("?" * len(names))
                connection.connection.executemany(
                    f"INSERT INTO {qn(meta.db_table)} ({column_sql}) VALUES ({placeholders})",  # noqa: S608
                    zip(*cells, strict=True),
                )
    return size


def next_id(model: type[models.Model]) -> int:
    """The first free primary key after the current largest one."""
    largest = model.objects.aggregate(largest=models.Max("pk"))["largest"]
    return (largest or 0) + 1


def sequences_reset(models_written: list[type[models.Model]]) -> None:
    """After inserts with explicit ids, move PostgreSQL's id sequences past them (no-op on SQLite)."""
    statements = connection.ops.sequence_reset_sql(no_style(), models_written)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def statistics_refresh(models_written: list[type[models.Model]]) -> None:
    """ANALYZE these tables on PostgreSQL (no-op elsewhere), inside the demo's one transaction.

    Autovacuum cannot see rows of a transaction that has not committed, so the planner would still think the
    tables empty: the demo logins' join of accounts, installations and meters then ran for over 15 minutes at
    200,000 customers (2026-12-01). ANALYZE in the same transaction sees them.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_written:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608 - table names


@contextlib.contextmanager
def constraints_deferred(models_written: list[type[models.Model]]) -> Iterator[None]:
    """Drop the secondary indexes (and on PostgreSQL the foreign keys) of these tables; rebuild them after.

        Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: loading tens of millions of rows would queue one
        check per row and key for COMMIT. One `ADD CONSTRAINT` (a single set-based validation) and one index
        build per index are far cheaper. Primary keys stay in place. On SQLite only the indexes that have
    their own CREATE INDEX statement are dropped (column-level UNIQUE ones cannot be).
    """
    tables = [m._meta.db_table for m in models_written]
    if connection.vendor == "sqlite":
        yield from _sqlite_indexes_deferred(tables)
        return
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.conrelid::regclass::text = ANY(%s) AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid))) "
            "ORDER BY c.contype DESC, 1, 2",
            [tables],
        )
        # Unique constraints first, so that they are back before the foreign keys are validated.
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            [tables],
        )
        indexes = cursor.fetchall()
        qn = connection.ops.quote_name
        # Run the checks already queued in this transaction: ALTER TABLE refuses pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _ in reversed(constraints):
            cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")


def _sqlite_indexes_deferred(tables: list[str]) -> Iterator[None]:
    placeholders = ", ".join(["%s"] * len(tables))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
            f"AND tbl_name IN ({placeholders}) ORDER BY name",
            tables,
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
