"""Set-based reads straight into numpy arrays, for the engines' inputs (bill runs, baselines).

On PostgreSQL the server packs the rows into one bytea of big-endian int8s that numpy decodes without
creating a Python object per value; on SQLite they come through the cursor. The query must return only
integer columns, never NULL (`CAST(... AS BIGINT)`, which both databases accept; dates as day ordinals
with `ordinal_sql`, booleans as 0/1, NULLs replaced by a sentinel with COALESCE).
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db import connections


def fetch_int_matrix(*, sql: str, params: Sequence[Any], columns: int, using: str = "default") -> np.ndarray:
    """Rows of an all-integer query as an int64 matrix (rows × columns)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One value back instead of one message per row: the server packs each row as big-endian int8s
            # (`int8send`) and concatenates them in order; numpy reads the bytes as they are.
            names = [f"c{i}" for i in range(columns)]
            packed = " || ".join(f"int8send(q.{n})" for n in names)
            cursor.execute(
                f"SELECT string_agg({packed}, ''::bytea ORDER BY q.rn), count(*) FROM "  # noqa: S608
                f"(SELECT s.*, row_number() OVER () AS rn FROM ({sql}) AS s({', '.join(names)})) AS q",
                list(params),
            )
            data, count = cursor.fetchone()
            data = bytes(data or b"")
            if len(data) != count * columns * 8:
                # A NULL anywhere in a row makes its packed value NULL, which string_agg would skip silently.
                raise ValueError("an integer-matrix query returned NULLs: replace them with COALESCE")
            return np.frombuffer(data, dtype=">i8").astype(np.int64).reshape(count, columns)
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    return np.array(rows, dtype=np.int64).reshape(len(rows), columns)


def ordinal_sql(column: str, *, using: str = "default") -> str:
    """SQL for the day ordinal (Python's `date.toordinal()`) of a date column, as a bigint."""
    if connections[using].vendor == "postgresql":
        return f"(({column}) - DATE '0001-01-01' + 1)::bigint"
    return f"CAST(julianday({column}) - julianday('0001-01-01') + 1 AS INTEGER)"
