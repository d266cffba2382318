"""Column-wise bulk writes of numpy arrays: COPY text on PostgreSQL, executemany on SQLite.

`gridcare.core.bulk.bulk_insert` takes rows of Python values and escapes every value one by one; for
the tens of millions of demo readings that is the slow part, so this writer turns whole columns into
text with numpy and joins rows in C (`map`/`str.join`). Generated text never holds tabs, newlines or
backslashes except where `_escape` handles them.
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


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _column(value: Any, a: int, b: int, *, postgres: bool) -> list:
    """Rows a..b of one column, as COPY text (PostgreSQL) or Python values (SQLite)."""
    if isinstance(value, Nullable):
        cells = _column(value.values, a, b, postgres=postgres)
        null = r"\N" if postgres else None
        for i in np.flatnonzero(~value.present[a:b]).tolist():
            cells[i] = null
        return cells
    if isinstance(value, list):
        return [_escape(v) for v in value[a:b]] if postgres else value[a:b]
    if not isinstance(value, np.ndarray):
        if value is None:
            cell = r"\N" if postgres else None
        elif isinstance(value, bool):
            cell = ("t" if value else "f") if postgres else int(value)
        else:
            cell = _escape(str(value)) if postgres else value
        return [cell] * (b - a)
    part = value[a:b]
    kind = part.dtype.kind
    if kind in "iu":
        return part.astype(str).tolist() if postgres else part.tolist()
    if kind == "b":
        return np.where(part, "t", "f").tolist() if postgres else part.astype(int).tolist()
    if kind == "M":
        # Few distinct days and moments repeat over many rows: format each distinct one once.
        distinct, inverse = np.unique(part, return_inverse=True)
        if np.datetime_data(part.dtype)[0] == "D":
            text = distinct.astype(str)
        else:
            # Aware moments in UTC; Django's SQLite backend stores them as naive UTC text with a space.
            text = np.strings.replace(np.datetime_as_string(distinct, unit="s"), "T", " ")
            if postgres:
                text = np.strings.add(text, "+00")
        return text[inverse].tolist()
    if kind == "U":
        return [_escape(v) for v in part.tolist()] if postgres else part.tolist()
    raise TypeError(f"unsupported column dtype {part.dtype}")


def insert_columns(*, model: type[models.Model], columns: Mapping[str, Any], chunk_size: int = 100_000) -> int:
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
        for a in range(0, size, chunk_size):
            b = min(size, a + chunk_size)
            cells = [_column(v, a, b, postgres=postgres) for v in columns.values()]
            if postgres:
                text = "\n".join(map("\t".join, zip(*cells, strict=True))) + "\n"
                with cursor.cursor.copy(f"COPY {qn(meta.db_table)} ({column_sql}) FROM STDIN") as copy:
                    copy.write(text)
            else:
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


@contextlib.contextmanager
def postgres_constraints_deferred(models_written: list[type[models.Model]]) -> Iterator[None]:
    """On PostgreSQL, drop the foreign keys and plain indexes of these tables and rebuild them afterwards.

    Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: loading tens of millions of rows would queue one
    check per row and key for COMMIT. One `ADD CONSTRAINT` (a single set-based validation) and one index
    build per index are far cheaper. Primary keys and unique constraints stay in place. A no-op on SQLite.
    """
    if connection.vendor != "postgresql":
        yield
        return
    tables = [m._meta.db_table for m in models_written]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        foreign_keys = cursor.fetchall()
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
        for table, name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
