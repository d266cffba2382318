"""Set-based writes that work on both databases: COPY on PostgreSQL, executemany on SQLite.

Heavy jobs (imports, bill runs, notification fan-out) write through these helpers, in chunks,
never by saving one ORM object at a time.
"""

import datetime as dt
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
from django.db import connections, transaction


def chunked(iterable: Iterable[Any], size: int) -> Iterable[list[Any]]:
    """Yield lists of at most `size` items."""
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def is_postgresql(using: str = "default") -> bool:
    return connections[using].vendor == "postgresql"


def _copy_text(value: Any) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_column(values: Sequence[Any]) -> Sequence[str]:
    """One column of a chunk as COPY text; whole columns of ints or plain strings skip per-value escaping."""
    kinds = set(map(type, values))
    if kinds == {int}:
        return list(map(str, values))
    if kinds == {bool}:
        return ["t" if v else "f" for v in values]
    if kinds == {str}:
        joined = "".join(values)
        if "\\" not in joined and "\t" not in joined and "\n" not in joined and "\r" not in joined:
            return values
    return [_copy_text(v) for v in values]


def _copy_buffer(chunk: Sequence[Sequence[Any]]) -> str:
    """Rows as the text format of COPY, built column by column (C-speed `map`/`join` on the common types)."""
    columns = [_copy_column(column) for column in zip(*chunk, strict=True)]
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


def bulk_insert(
    *,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    ignore_conflicts: bool = False,
    conflict_columns: Sequence[str] | None = None,
    using: str = "default",
    chunk_size: int = 50_000,
    expect_new: bool = False,
) -> int:
    """Insert rows into `table`; with `ignore_conflicts`, rows that hit a unique key are skipped.

    Returns the number of rows actually inserted. On PostgreSQL the rows travel by COPY (into a
    temporary staging table of just these columns first when conflicts must be ignored; call it
    inside a transaction); on SQLite by executemany. `expect_new` (with `ignore_conflicts`) says the
    caller has already checked that the rows are new: each chunk is then copied straight into the
    table, and only a chunk that meets a unique key after all (a concurrent writer) goes the staging way.
    """
    connection = connections[using]
    qn = connection.ops.quote_name
    column_sql = ", ".join(qn(c) for c in columns)
    inserted = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            target = qn(table)
            staging = qn(f"_staging_{table}_{zlib.crc32(column_sql.encode()):08x}")
            staged = False
            for chunk in chunked(rows, chunk_size):
                text = _copy_buffer(chunk)
                if not ignore_conflicts or expect_new:
                    try:
                        with (
                            transaction.atomic(using=using),
                            raw.copy(f"COPY {target} ({column_sql}) FROM STDIN") as copy,
                        ):
                            copy.write(text)
                        inserted += len(chunk)
                        continue
                    except Exception as exc:
                        if (
                            not ignore_conflicts or getattr(exc, "sqlstate", None) != "23505"
                        ):  # unique_violation
                            raise
                if not staged:
                    # Only the copied columns, no constraints: the target's identity and checks apply on INSERT.
                    cursor.execute(
                        f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS "
                        f"SELECT {column_sql} FROM {target} WITH NO DATA"
                    )
                    staged = True
                cursor.execute(f"TRUNCATE {staging}")
                with raw.copy(f"COPY {staging} ({column_sql}) FROM STDIN") as copy:
                    copy.write(text)
                conflict = f"({', '.join(qn(c) for c in conflict_columns)})" if conflict_columns else ""
                cursor.execute(
                    f"INSERT INTO {target} ({column_sql}) SELECT {column_sql} FROM {staging} "
                    f"ON CONFLICT {conflict} DO NOTHING"
                )
                inserted += cursor.rowcount
        else:
            verb = "INSERT OR IGNORE" if ignore_conflicts else "INSERT"
            placeholders = ", ".join(["%s"] * len(columns))
            sql = f"{verb} INTO {qn(table)} ({column_sql}) VALUES ({placeholders})"
            for chunk in chunked(rows, chunk_size):
                before = connection.connection.total_changes
                cursor.executemany(sql, chunk)
                inserted += connection.connection.total_changes - before
    return inserted


_BINARY_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_BINARY_COPY_TRAILER = b"\xff\xff"


def copy_int64_column(*, table: str, column: str, values: np.ndarray, using: str = "default") -> int:
    """PostgreSQL: COPY a numpy array into one bigint column in binary form (no per-value text at all)."""
    return copy_int64_columns(table=table, columns={column: values}, using=using)


def copy_int64_columns(*, table: str, columns: dict[str, np.ndarray], using: str = "default") -> int:
    """PostgreSQL: COPY numpy arrays of equal length into bigint columns, in binary form."""
    connection = connections[using]
    qn = connection.ops.quote_name
    names = list(columns)
    lengths = {len(v) for v in columns.values()}
    if len(lengths) != 1:
        raise ValueError(f"columns of different lengths: {sorted(lengths)}")
    # Each tuple: field count (int16), then per field its length (int32 = 8) and value (int64), big-endian.
    fields = [("fields", ">i2")]
    for i in range(len(names)):
        fields += [(f"length{i}", ">i4"), (f"value{i}", ">i8")]
    tuples = np.empty(lengths.pop(), dtype=np.dtype(fields))
    tuples["fields"] = len(names)
    for i, name in enumerate(names):
        tuples[f"length{i}"], tuples[f"value{i}"] = 8, columns[name]
    column_sql = ", ".join(qn(c) for c in names)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {qn(table)} ({column_sql}) FROM STDIN WITH (FORMAT BINARY)") as copy,
    ):
        copy.write(_BINARY_COPY_HEADER + tuples.tobytes() + _BINARY_COPY_TRAILER)
    return len(tuples)


# --- binary COPY of whole numpy columns --------------------------------------------------------------

_PG_EPOCH_DAY = 10_957  # 2000-01-01 − 1970-01-01 in days: PostgreSQL's binary dates count from 2000-01-01
_PG_EPOCH_SECOND = _PG_EPOCH_DAY * 86_400


def binary_column(
    kind: str, values: Any, *, null: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """One column for `copy_binary`: its values as big-endian bytes per row, and where it is NULL.

    `kind`: "int8", "int4", "int2", "bool", "date" (days since 1970-01-01), "timestamptz" (UTC seconds since
    1970-01-01), "timestamptz_us" (UTC microseconds since 1970-01-01) or "text" (one `str` for every row, a numpy
    array of `bytes` of one length, or a sequence of `str` of any lengths: sent with each value's own length).
    """
    if kind == "int8":
        data = np.asarray(values, dtype=">i8")
    elif kind == "int4":
        data = np.asarray(values, dtype=">i4")
    elif kind == "int2":
        data = np.asarray(values, dtype=">i2")
    elif kind == "bool":
        data = np.asarray(values, dtype=bool).astype(np.uint8)
    elif kind == "date":
        data = (np.asarray(values, dtype=np.int64) - _PG_EPOCH_DAY).astype(">i4")
    elif kind == "timestamptz":
        data = ((np.asarray(values, dtype=np.int64) - _PG_EPOCH_SECOND) * 1_000_000).astype(">i8")
    elif kind == "timestamptz_us":
        data = (np.asarray(values, dtype=np.int64) - _PG_EPOCH_SECOND * 1_000_000).astype(">i8")
    elif kind == "text" and isinstance(values, str):
        data = np.asarray(values.encode(), dtype=np.bytes_)
    elif kind == "text" and isinstance(values, np.ndarray) and values.dtype.kind == "S":
        data = values
    elif kind == "text":
        # Values of different lengths: each row's UTF-8 bytes, as an object array (see `copy_binary_tuples`).
        data = np.empty(len(values), dtype=object)
        data[:] = [v.encode() if isinstance(v, str) else b"" for v in values]
    else:
        raise ValueError(f"unknown binary COPY kind {kind!r}")
    return data, null


BINARY_COPY_HEADER, BINARY_COPY_TRAILER = _BINARY_COPY_HEADER, _BINARY_COPY_TRAILER


def copy_binary_payload(columns: Sequence[tuple[np.ndarray, np.ndarray | None]], rows: int) -> bytes:
    """The rows as a whole binary COPY stream (header, tuples, trailer)."""
    return _BINARY_COPY_HEADER + copy_binary_tuples(columns, rows) + _BINARY_COPY_TRAILER


def copy_binary_tuples(columns: Sequence[tuple[np.ndarray, np.ndarray | None]], rows: int) -> bytes:
    """The rows as the tuples of PostgreSQL's binary COPY format (no header, no trailer), built with numpy only.

    Each column is `binary_column(...)`'s pair; a scalar value (a 0-d array, e.g. one text) repeats on every row.
    Without NULLs every tuple has the same layout and the rows are one structured array; with NULLs each value
    is placed at its own offset (still vectorised: a NULL is a length of −1 and no bytes).
    """
    if any(data.dtype == object for data, _null in columns):
        return _varlen_tuples(columns, rows)
    widths = [data.dtype.itemsize for data, _null in columns]
    if all(null is None or not null.any() for _data, null in columns):
        fields = [("fields", ">i2")]
        for i, width in enumerate(widths):
            fields += [(f"l{i}", ">i4"), (f"v{i}", f"V{width}")]
        tuples = np.empty(rows, dtype=np.dtype(fields))
        tuples["fields"] = len(columns)
        for i, (data, _null) in enumerate(columns):
            tuples[f"l{i}"] = widths[i]
            tuples[f"v{i}"] = np.broadcast_to(data.reshape(-1).view(f"V{widths[i]}"), (rows,))
        return tuples.tobytes()
    present = [np.ones(rows, dtype=bool) if null is None else ~null for _data, null in columns]
    sizes = 2 + sum(4 + width * here.astype(np.int64) for width, here in zip(widths, present, strict=True))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    out = np.zeros(int(sizes.sum()), dtype=np.uint8)
    _scatter(out, starts, np.full(rows, len(columns), dtype=">i2").view(np.uint8).reshape(rows, 2))
    at = starts + 2
    for (data, _null), width, here in zip(columns, widths, present, strict=True):
        lengths = np.where(here, width, -1).astype(">i4")
        _scatter(out, at, lengths.view(np.uint8).reshape(rows, 4))
        values = np.broadcast_to(data, (rows,)) if data.ndim == 0 else data
        chosen = np.flatnonzero(here)
        if len(chosen):
            raw = np.ascontiguousarray(values[chosen]).view(np.uint8).reshape(len(chosen), width)
            _scatter(out, at[chosen] + 4, raw)
        at = at + 4 + width * here
    return out.tobytes()


def _varlen_tuples(columns: Sequence[tuple[np.ndarray, np.ndarray | None]], rows: int) -> bytes:
    """`copy_binary_tuples` when some column holds values of different lengths (an object array of `bytes`).

    Every column becomes one blob of its present values' bytes and a length per row; the blobs are placed at
    their rows' offsets by one vectorised scatter each (no Python per value beyond joining the bytes).
    """
    blobs, sizes = [], []
    for data, null in columns:
        here = np.ones(rows, dtype=bool) if null is None else ~np.asarray(null, dtype=bool)
        if data.dtype == object:
            values = data if data.ndim else np.broadcast_to(data, (rows,))
            size = np.fromiter(map(len, values), dtype=np.int64, count=rows)
            size[~here] = 0
            blob = np.frombuffer(b"".join(values[here].tolist()), dtype=np.uint8)
        else:
            width = data.dtype.itemsize
            values = np.broadcast_to(data, (rows,)) if data.ndim == 0 else data
            size = np.where(here, width, 0).astype(np.int64)
            blob = np.ascontiguousarray(values[here]).view(np.uint8).reshape(-1)
        blobs.append((blob, here))
        sizes.append(size)
    row_sizes = 2 + sum(4 + size for size in sizes)
    starts = np.concatenate([[0], np.cumsum(row_sizes)[:-1]]).astype(np.int64)
    out = np.zeros(int(row_sizes.sum()), dtype=np.uint8)
    _scatter(out, starts, np.full(rows, len(columns), dtype=">i2").view(np.uint8).reshape(rows, 2))
    at = starts + 2
    for (blob, here), size in zip(blobs, sizes, strict=True):
        lengths = np.where(here, size, -1).astype(">i4")
        _scatter(out, at, lengths.view(np.uint8).reshape(rows, 4))
        if len(blob):
            # Byte j of the blob goes to its row's value offset plus its position within the row's value.
            first_byte = np.cumsum(size) - size
            out[np.repeat(at + 4 - first_byte, size) + np.arange(len(blob))] = blob
        at = at + 4 + size
    return out.tobytes()


def _scatter(out: np.ndarray, starts: np.ndarray, values: np.ndarray) -> None:
    """out[start + k] = values[row, k] for each row's start (values: rows × width bytes)."""
    out[starts[:, None] + np.arange(values.shape[1])] = values


def copy_binary(*, table: str, names: Sequence[str], payload: bytes, using: str = "default") -> None:
    """PostgreSQL: COPY a `copy_binary_payload` into `table`'s columns `names` (in the caller's transaction)."""
    connection = connections[using]
    qn = connection.ops.quote_name
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {qn(table)} ({', '.join(qn(c) for c in names)}) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy,
    ):
        copy.write(payload)


# --- whole columns written in one statement: binary COPY on PostgreSQL, executemany on SQLite -----------------

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Column:
    """One column to write: its name, `binary_column` kind, values (or one value for every row), NULLs.

    The kind must match the column's PostgreSQL type exactly (binary COPY does not convert): "int2" for
    smallint, "int4" for integer, "int8" for bigint, "date" for dates (days since 1970-01-01), "timestamptz"
    / "timestamptz_us" for aware datetimes (seconds / microseconds since 1970-01-01 UTC), "text" for varchar.
    """

    name: str
    kind: str
    values: Any
    null: np.ndarray | None = None

    def part(self, start: int, stop: int) -> "Column":
        if isinstance(self.values, str):
            return self
        null = None if self.null is None else self.null[start:stop]
        return Column(self.name, self.kind, self.values[start:stop], null)

    def python_values(self, rows: int) -> list[Any]:
        """The values as the SQLite backend stores them (dates as ISO text, datetimes adapted, NULLs as None)."""
        if isinstance(self.values, str):
            return [self.values] * rows
        if self.kind == "text":
            out = list(self.values)
        else:
            values = np.asarray(self.values)
            if self.kind == "date":
                names = {d: dt.date.fromordinal(d + _EPOCH_ORDINAL).isoformat() for d in set(values.tolist())}
                out = [names[d] for d in values.tolist()]
            elif self.kind in ("timestamptz", "timestamptz_us"):
                adapt = connections["default"].ops.adapt_datetimefield_value
                unit = "seconds" if self.kind == "timestamptz" else "microseconds"
                names = {s: str(adapt(_EPOCH + dt.timedelta(**{unit: s}))) for s in set(values.tolist())}
                out = [names[s] for s in values.tolist()]
            elif self.kind == "bool":
                out = values.astype(bool).tolist()
            else:
                out = values.tolist()
        if self.null is not None and np.any(self.null):
            for i in np.flatnonzero(self.null).tolist():
                out[i] = None
        return out


def day_numbers(ordinals: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (a "date" column's values) of `date.toordinal()` numbers."""
    return np.asarray(ordinals, dtype=np.int64) - _EPOCH_ORDINAL


def microseconds(moment: dt.datetime) -> int:
    """Microseconds since 1970-01-01 UTC of an aware datetime, exactly (a "timestamptz_us" value)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def copy_columns(*, table: str, columns: Sequence[Column], rows: int, using: str = "default") -> int:
    """Insert `rows` rows given as whole columns (in the caller's transaction); returns `rows`.

    PostgreSQL: one binary COPY built with numpy (no text per value, on either side). SQLite: executemany of
    the values as the ORM would store them. No conflict handling: the caller knows the rows are new (a unique
    key violation raises).
    """
    if not rows:
        return 0
    names = [c.name for c in columns]
    if connections[using].vendor != "postgresql":
        values = [c.python_values(rows) for c in columns]
        return bulk_insert(table=table, columns=names, rows=zip(*values, strict=True), using=using)
    payload = copy_binary_payload([binary_column(c.kind, c.values, null=c.null) for c in columns], rows)
    copy_binary(table=table, names=names, payload=payload, using=using)
    return rows


def insert_once(instance, using: str = "default") -> bool:
    """Insert one model instance unless a unique constraint already holds its key; True (and its pk set) when inserted.

    One round trip (`INSERT … ON CONFLICT DO NOTHING RETURNING id`, both databases), where catching the
    IntegrityError of `save()` costs a savepoint around it and `get_or_create` a read first. Only uniqueness
    conflicts are skipped: a check or NOT NULL violation still raises.
    """
    connection = connections[using]
    meta = instance._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "  # noqa: S608
        f"ON CONFLICT DO NOTHING RETURNING {connection.ops.quote_name(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding, instance._state.db = False, using
    return True
