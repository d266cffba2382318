"""Monthly partitions of the tables that grow without end (PostgreSQL only; SQLite keeps plain tables).

Readings, interval readings, the notification outbox and the audit log are declaratively partitioned by
month of a date or time column (`TABLES`). Django keeps seeing a table with an `id` primary key; in SQL the
primary key is `(id, <month column>)`, because PostgreSQL requires the partition key in every primary key
and unique constraint. Ids still come from one sequence, so they stay unique across partitions. See
docs/scaling.md for why, for the retention of each table and for what this asks of later migrations.

Every table has a DEFAULT partition: a row whose month has no partition yet (an old reading imported late, a
clock far ahead) is kept there, never refused, and `ensure_partitions` moves such rows into the month's
partition when it creates it. `gridcare partitions --ahead N` (and the daily task `partitions_maintain`)
create the coming months; retention detaches or drops old months only when asked.
"""

import dataclasses
import datetime as dt
import re

from django.db import migrations

# Month boundaries of time columns are midnights in the business time zone (Asia/Ho_Chi_Minh, UTC+7, no DST).
BUSINESS_UTC_OFFSET = "+07:00"


@dataclasses.dataclass(frozen=True)
class PartitionedTable:
    table: str
    key: str  # the column partitioned on: a date, or a timestamp with time zone
    retention_months: int  # whole months kept before the current one (docs/scaling.md says why)
    is_time: bool = False


TABLES = (
    # Register readings underlie bills and accounting documents: ten years (Luật Kế toán 2015, art. 41).
    PartitionedTable("metering_reading", "read_on", retention_months=120),
    # 30-minute data: baselines look back 45 days, disputes and load studies three years.
    PartitionedTable("metering_intervalreading", "start", retention_months=36, is_time=True),
    # Delivered messages: a customer's complaint about a notice is answered within the year.
    PartitionedTable("notifications_outboxmessage", "created_at", retention_months=13, is_time=True),
    # Who read or changed customer records and billing inputs: five years.
    PartitionedTable("core_auditentry", "at", retention_months=60, is_time=True),
)
BY_TABLE = {spec.table: spec for spec in TABLES}
_MONTH_NAME = re.compile(r"_p(\d{4})(\d{2})$")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y%m}"


def default_partition_name(table: str) -> str:
    return f"{table}_default"


def _bound(spec: PartitionedTable, month: dt.date) -> str:
    return f"'{month:%Y-%m-%d} 00:00:00{BUSINESS_UTC_OFFSET}'" if spec.is_time else f"'{month:%Y-%m-%d}'"


def _is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [table])
    return cursor.fetchone() is not None


def attached_months(cursor, table: str) -> list[dt.date]:
    """The months that have a partition attached to `table`, oldest first (the default partition aside)."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)",
        [table],
    )
    months = []
    for (name,) in cursor.fetchall():
        found = _MONTH_NAME.search(name)
        if found and name == f"{table}_p{found.group(1)}{found.group(2)}":
            months.append(dt.date(int(found.group(1)), int(found.group(2)), 1))
    return sorted(months)


def _create_month(cursor, spec: PartitionedTable, month: dt.date) -> None:
    """Create the partition of `month`, moving the rows the default partition holds for it (one transaction)."""
    table, name, default = spec.table, partition_name(spec.table, month), default_partition_name(spec.table)
    low, high = _bound(spec, month), _bound(spec, add_months(month, 1))
    in_range = f"{spec.key} >= {low} AND {spec.key} < {high}"
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {default} WHERE {in_range})")  # noqa: S608 - names from TABLES
    if not cursor.fetchone()[0]:
        cursor.execute(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM ({low}) TO ({high})")
        return
    # PostgreSQL refuses a new partition while the default one holds rows of its range: move them first.
    cursor.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {default} WHERE {in_range} RETURNING *) INSERT INTO {name} SELECT * FROM moved"  # noqa: S608
    )  # noqa: S608
    cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ({low}) TO ({high})")


def ensure_partitions(*, connection, today: dt.date, ahead: int, since: dt.date | None = None) -> list[str]:
    """Create the missing partitions from `since` (default: this month) to `ahead` months after this one; idempotent."""
    created = []
    first = month_start(min(since, today) if since else today)
    last = add_months(month_start(today), ahead)
    with connection.cursor() as cursor:
        for spec in TABLES:
            if not _is_partitioned(cursor, spec.table):
                continue
            have = set(attached_months(cursor, spec.table))
            month = add_months(first, -1)
            while month < last:
                month = add_months(month, 1)
                cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [partition_name(spec.table, month)])
                detached = cursor.fetchone()[0]  # a month retention detached is left to its archive
                if month not in have and not detached:
                    _create_month(cursor, spec, month)
                    created.append(partition_name(spec.table, month))
    return created


def default_rows(*, connection) -> dict[str, int]:
    """Per partitioned table, how many rows wait in its default partition (months without a partition)."""
    counts = {}
    with connection.cursor() as cursor:
        for spec in TABLES:
            if _is_partitioned(cursor, spec.table):
                cursor.execute(f"SELECT COUNT(*) FROM {default_partition_name(spec.table)}")  # noqa: S608
                counts[spec.table] = cursor.fetchone()[0]
    return counts


def is_partitioned(*, connection, table: str) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        return _is_partitioned(cursor, table)


def expired_months(*, connection, today: dt.date) -> dict[str, list[dt.date]]:
    """Per table, the attached months older than its retention (the partitions retention would remove)."""
    expired = {}
    with connection.cursor() as cursor:
        for spec in TABLES:
            if _is_partitioned(cursor, spec.table):
                oldest_kept = add_months(month_start(today), -spec.retention_months)
                expired[spec.table] = [m for m in attached_months(cursor, spec.table) if m < oldest_kept]
    return expired


def apply_retention(*, connection, today: dt.date, drop: bool) -> list[str]:
    """Detach every partition older than its table's retention; with `drop`, delete it too. Returns their names.

    A detached partition stays a plain table of the same name (to archive with pg_dump, then drop).
    """
    done = []
    expired = expired_months(connection=connection, today=today)
    with connection.cursor() as cursor:
        for table, months in expired.items():
            for month in months:
                name = partition_name(table, month)
                cursor.execute(f"ALTER TABLE {table} DETACH PARTITION {name}")
                if drop:
                    cursor.execute(f"DROP TABLE {name}")
                done.append(name)
    return done


def table_sizes(*, connection) -> dict[str, tuple[int, int]]:
    """(rows estimate, bytes with indexes and TOAST) of each partitioned table, summed over its partitions."""
    sizes = {}
    with connection.cursor() as cursor:
        for spec in TABLES:
            cursor.execute(
                """SELECT COALESCE(SUM(c.reltuples::bigint) FILTER (WHERE c.reltuples > 0), 0),
                          COALESCE(SUM(pg_total_relation_size(c.oid)), 0)
                     FROM pg_class c
                    WHERE c.oid = to_regclass(%s)
                       OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(%s))""",
                [spec.table, spec.table],
            )
            sizes[spec.table] = tuple(int(v) for v in cursor.fetchone())
    return sizes


# --- the migration that turns a plain table into a partitioned one ---------------------------------------


def _partition(cursor, spec: PartitionedTable, *, today: dt.date, ahead: int) -> None:
    table, old = spec.table, f"{spec.table}_unpartitioned"
    # Constraints and indexes as they are now, under their Django names, to recreate on the partitioned table.
    cursor.execute(
        """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = to_regclass(%s) AND contype IN ('u', 'f', 'x') ORDER BY conname""",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid = to_regclass(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY i.indexrelid""",
        [table],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    for name, definition in constraints:
        if definition.startswith("UNIQUE") and spec.key not in definition:
            raise RuntimeError(
                f"{table}.{name}: a unique constraint of a partitioned table must include {spec.key}"
            )
    cursor.execute(f"ALTER TABLE {table} RENAME TO {old}")
    cursor.execute(f"ALTER SEQUENCE IF EXISTS {table}_id_seq RENAME TO {old}_id_seq")
    cursor.execute(
        f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS "
        f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({spec.key})"
    )
    cursor.execute(f"CREATE TABLE {default_partition_name(table)} PARTITION OF {table} DEFAULT")
    cursor.execute(f"SELECT MIN({spec.key}) FROM {old}")  # noqa: S608 - names from TABLES
    (first,) = cursor.fetchone()
    if isinstance(first, dt.datetime):
        first = (first + dt.timedelta(hours=7)).date()  # its month in the business time zone
    start = month_start(min(first, today)) if first else month_start(today)
    month, last = start, add_months(month_start(today), ahead)
    while month <= last:
        cursor.execute(
            f"CREATE TABLE {partition_name(table, month)} PARTITION OF {table} "
            f"FOR VALUES FROM ({_bound(spec, month)}) TO ({_bound(spec, add_months(month, 1))})"
        )
        month = add_months(month, 1)
    cursor.execute(f"INSERT INTO {table} OVERRIDING SYSTEM VALUE SELECT * FROM {old}")  # noqa: S608
    cursor.execute(f"DROP TABLE {old}")
    _sequence_follow(cursor, table)
    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, {spec.key})")
    for name, definition in constraints:
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for definition in indexes:
        cursor.execute(definition)


def _sequence_follow(cursor, table: str) -> None:
    """Give the new table's id sequence the usual name and make it continue after the copied ids."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (sequence,) = cursor.fetchone()
    if sequence.split(".")[-1] != f"{table}_id_seq":
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {table}_id_seq")
    cursor.execute(f"SELECT setval('{table}_id_seq', COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")  # noqa: S608


def _unpartition(cursor, spec: PartitionedTable) -> None:
    table, old = spec.table, f"{spec.table}_partitioned"
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype IN ('u', 'f', 'x')",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = to_regclass(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        [table],
    )
    indexes = [row[0].replace(" ONLY ", " ") for row in cursor.fetchall()]
    cursor.execute(f"ALTER TABLE {table} RENAME TO {old}")
    cursor.execute(f"ALTER SEQUENCE IF EXISTS {table}_id_seq RENAME TO {old}_id_seq")
    cursor.execute(
        f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS)"
    )
    cursor.execute(f"INSERT INTO {table} OVERRIDING SYSTEM VALUE SELECT * FROM {old}")  # noqa: S608
    cursor.execute(f"DROP TABLE {old} CASCADE")
    _sequence_follow(cursor, table)
    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id)")
    for name, definition in constraints:
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for definition in indexes:
        cursor.execute(definition)


class PartitionByMonth(migrations.operations.base.Operation):
    """Migration operation: on PostgreSQL, rebuild `table` partitioned by month; nothing on SQLite.

    The model state does not change (Django still sees an `id` primary key), so it needs no state_forwards.
    """

    reversible = True
    reduces_to_sql = False

    def __init__(self, table: str, ahead: int = 3):
        self.table = table
        self.ahead = ahead

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            if not _is_partitioned(cursor, self.table):
                _partition(cursor, BY_TABLE[self.table], today=dt.date.today(), ahead=self.ahead)  # noqa: DTZ011

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            if _is_partitioned(cursor, self.table):
                _unpartition(cursor, BY_TABLE[self.table])

    def describe(self):
        return f"Partition {self.table} by month (PostgreSQL)"

    def deconstruct(self):
        return self.__class__.__qualname__, [self.table], {"ahead": self.ahead}
