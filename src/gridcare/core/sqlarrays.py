"""Set-based reads straight into numpy arrays, for the engines' inputs (bill runs, baselines).

On PostgreSQL the rows travel as `COPY (query) TO STDOUT (FORMAT binary)` and are decoded by numpy
without creating a Python object per value; on SQLite through the cursor. The query must return only
integer columns (`CAST(... AS BIGINT)`, which both databases accept; dates as day ordinals with `ordinal_sql`, booleans as 0/1, NULLs replaced by a sentinel with COALESCE).
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db import connections

_PG_HEADER = 19  # b"PGCOPY\n\xff\r\n\0" + flags (4 bytes) + header extension length (4 bytes)


def _decode_binary_copy(data: bytes, columns: int) -> np.ndarray:
    body = memoryview(data)[_PG_HEADER + int.from_bytes(data[15:19], "big") : -2]  # skip header and trailer
    row = np.dtype([("count", ">i2"), *[(f"c{i}", [("len", ">i4"), ("value", ">i8")]) for i in range(columns)]])
    if len(body) % row.itemsize:
        raise ValueError("COPY returned a NULL or a non-bigint column: cast every column to bigint, never NULL")
    records = np.frombuffer(body, dtype=row)
    out = np.empty((len(records), columns), dtype=np.int64)
    for i in range(columns):
        if len(records) and (records[f"c{i}"]["len"] != 8).any():
            raise ValueError(f"column {i} is not a non-NULL bigint")
        out[:, i] = records[f"c{i}"]["value"]
    return out


def fetch_int_matrix(*, sql: str, params: Sequence[Any], columns: int, using: str = "default") -> np.ndarray:
    """Rows of an all-integer query as an int64 matrix (rows × columns)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            import psycopg

            raw = cursor.cursor
            # COPY takes no parameters: bind them client-side (psycopg quotes them as literals).
            select = psycopg.ClientCursor(raw.connection).mogrify(sql, list(params)) if params else sql
            chunks = []
            with raw.copy(f"COPY ({select}) TO STDOUT (FORMAT binary)") as copy:
                for block in copy:
                    chunks.append(bytes(block))
            return _decode_binary_copy(b"".join(chunks), columns)
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    return np.array(rows, dtype=np.int64).reshape(len(rows), columns)


def ordinal_sql(column: str, *, using: str = "default") -> str:
    """SQL for the day ordinal (Python's `date.toordinal()`) of a date column, as a bigint."""
    if connections[using].vendor == "postgresql":
        return f"(({column}) - DATE '0001-01-01' + 1)::bigint"
    return f"CAST(julianday({column}) - julianday('0001-01-01') + 1 AS INTEGER)"
