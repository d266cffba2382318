"""Set-based reads straight into numpy arrays, for the engines' inputs (bill runs, baselines).

On PostgreSQL the rows come as binary COPY, which numpy decodes without creating a Python object per value;
on SQLite they come through the cursor. The query must return only integer columns, never NULL (`CAST(... AS BIGINT)`, which both databases accept; dates as day ordinals
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
            # The rows as binary COPY (each value a 4-byte length and 8 big-endian bytes), read by numpy as they
            # come: no Python object per value, and no server-side packing either. The query's order is kept.
            names = [f"c{i}" for i in range(columns)]
            casts = ", ".join(f"CAST(s.{n} AS BIGINT)" for n in names)
            data = bytearray()
            with cursor.cursor.copy(
                f"COPY (SELECT {casts} FROM ({sql}) AS s({', '.join(names)})) TO STDOUT WITH (FORMAT BINARY)",  # noqa: S608
                list(params) or None,
            ) as copy:
                for block in copy:
                    data += block
            return _decode_binary_copy(bytes(data), columns)
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    return np.array(rows, dtype=np.int64).reshape(len(rows), columns)


_HEADER_BYTES = 19  # "PGCOPY\n\xff\r\n\0", flags (int32), header extension length (int32, 0 here)


def _decode_binary_copy(data: bytes, columns: int) -> np.ndarray:
    """The tuples of a binary COPY of `columns` bigint columns as an int64 matrix; NULLs are refused."""
    body = data[_HEADER_BYTES:-2] if data else b""
    layout = np.dtype(
        [("n", ">i2")] + [f for i in range(columns) for f in ((f"l{i}", ">i4"), (f"v{i}", ">i8"))]
    )
    if len(body) % layout.itemsize:
        # A NULL is a length of −1 and no bytes: the tuples no longer have one size.
        raise ValueError("an integer-matrix query returned NULLs: replace them with COALESCE")
    tuples = np.frombuffer(body, dtype=layout)
    if any((tuples[f"l{i}"] != 8).any() for i in range(columns)):
        raise ValueError("an integer-matrix query returned NULLs: replace them with COALESCE")
    matrix = np.empty((len(tuples), columns), dtype=np.int64)
    for i in range(columns):
        matrix[:, i] = tuples[f"v{i}"]
    return matrix


def ordinal_sql(column: str, *, using: str = "default") -> str:
    """SQL for the day ordinal (Python's `date.toordinal()`) of a date column, as a bigint."""
    if connections[using].vendor == "postgresql":
        return f"(({column}) - DATE '0001-01-01' + 1)::bigint"
    return f"CAST(julianday({column}) - julianday('0001-01-01') + 1 AS INTEGER)"
