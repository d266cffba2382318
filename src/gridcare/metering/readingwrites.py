"""Writing the readings import's valid rows: whole numpy columns, by binary COPY on PostgreSQL.

The rows arrive as columns (numpy arrays, already checked). On PostgreSQL they become PostgreSQL's binary COPY
format with numpy alone (no Python object, no text per value) and travel in one COPY statement, chunk after
chunk, through psycopg's queued writer: a thread sends chunk k (releasing the GIL while it waits on the
socket) while this one builds chunk k+1, and the server parses and indexes while Python works. A COPY that
meets a unique key after all (a writer that takes no meter lock stored one of the rows meanwhile) is rolled back
to its savepoint and the rows go through a staging table with `ON CONFLICT DO NOTHING`. On SQLite the rows go
by executemany (`core.bulk.bulk_insert`).
"""

from collections.abc import Callable

from django.db import connection, transaction
from django.utils.translation import gettext as _

from gridcare.core.bulk import (
    BINARY_COPY_HEADER,
    BINARY_COPY_TRAILER,
    Column,
    binary_column,
    bulk_insert,
    copy_binary_tuples,
)

CHUNK_ROWS = 100_000
Progress = Callable[[str], None]


def insert_columns(
    *,
    table: str,
    columns: list[Column],
    rows: int,
    conflict_columns: tuple[str, ...],
    progress: Progress | None = None,
) -> int:
    """Insert `rows` rows given as columns, skipping rows whose unique key exists; returns how many were inserted.

    Call it inside a transaction (the import's).
    """
    if not rows:
        return 0
    names = [c.name for c in columns]
    if connection.vendor != "postgresql":
        inserted = 0
        for start in range(0, rows, CHUNK_ROWS):
            _progress(progress, start, rows)
            stop = min(start + CHUNK_ROWS, rows)
            values = [c.part(start, stop).python_values(stop - start) for c in columns]
            inserted += bulk_insert(table=table, columns=names, rows=zip(*values, strict=True), ignore_conflicts=True,
                                    conflict_columns=conflict_columns, chunk_size=CHUNK_ROWS)  # fmt: skip
        return inserted
    try:
        with transaction.atomic():
            _copy(table=table, columns=columns, rows=rows, progress=progress)
        return rows
    except Exception as exc:
        if (
            getattr(exc, "sqlstate", None) != "23505"
        ):  # unique_violation: stored meanwhile, see the module's text
            raise
    return _copy_through_staging(table=table, columns=columns, rows=rows, conflict_columns=conflict_columns)


def _progress(progress: Progress | None, done: int, total: int) -> None:
    if progress:
        progress(_("Đang ghi %(done)d/%(total)d dòng hợp lệ…") % {"done": done, "total": total})


def _payloads(columns: list[Column], rows: int, progress: Progress | None):
    """Binary COPY data chunk by chunk: the header with the first chunk, the trailer after the last."""
    yield BINARY_COPY_HEADER
    for start in range(0, rows, CHUNK_ROWS):
        _progress(progress, start, rows)
        stop = min(start + CHUNK_ROWS, rows)
        parts = [c.part(start, stop) for c in columns]
        yield copy_binary_tuples([binary_column(c.kind, c.values, null=c.null) for c in parts], stop - start)
    yield BINARY_COPY_TRAILER


def _copy(
    *, table: str, columns: list[Column], rows: int, progress: Progress | None, target: str | None = None
) -> None:
    from psycopg.copy import QueuedLibpqWriter

    qn = connection.ops.quote_name
    column_sql = ", ".join(qn(c.name) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        sql = f"COPY {target or qn(table)} ({column_sql}) FROM STDIN WITH (FORMAT BINARY)"
        with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
            for payload in _payloads(columns, rows, progress):
                copy.write(payload)


def _copy_through_staging(
    *, table: str, columns: list[Column], rows: int, conflict_columns: tuple[str, ...]
) -> int:
    qn = connection.ops.quote_name
    column_sql = ", ".join(qn(c.name) for c in columns)
    staging = qn(f"_staging_{table}_binary")
    with connection.cursor() as cursor:
        like = f"SELECT {column_sql} FROM {qn(table)} WITH NO DATA"  # noqa: S608 - names from the model, not input
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS {like}")
        cursor.execute(f"TRUNCATE {staging}")
    _copy(table=table, columns=columns, rows=rows, progress=None, target=staging)
    with connection.cursor() as cursor:
        conflict = ", ".join(qn(c) for c in conflict_columns)
        cursor.execute(f"INSERT INTO {qn(table)} ({column_sql}) SELECT {column_sql} FROM {staging} "  # noqa: S608
                       f"ON CONFLICT ({conflict}) DO NOTHING")  # fmt: skip
        return cursor.rowcount
