"""bulk_insert: COPY/executemany, and rows that meet a unique key skipped (also when expected new)."""

import datetime as dt

import numpy as np
import pytest
from django.db import transaction

from gridcare.core.bulk import bulk_insert
from gridcare.metering.models import Reading
from tests import factories

COLUMNS = ("meter_id", "account_id", "read_on", "total", "rollover", "source")


@pytest.mark.parametrize("expect_new", [False, True])
def test_rows_meeting_a_unique_key_are_skipped_and_the_rest_inserted(world, expect_new):
    acct = factories.account(world)
    meter = acct.meter_installations.get().meter
    factories.readings(acct, [10, 20])  # 5 Jan and 5 Feb 2025
    rows = [(meter.pk, acct.pk, dt.date(2025, m, 5), 10 * m, False, "import\\tab") for m in range(1, 6)]

    with transaction.atomic():
        inserted = bulk_insert(
            table=Reading._meta.db_table, columns=COLUMNS, rows=rows, ignore_conflicts=True,
            conflict_columns=("meter_id", "read_on"), chunk_size=2, expect_new=expect_new,
        )  # fmt: skip

    assert inserted == 3
    assert list(Reading.objects.order_by("read_on").values_list("total", "source")) == [
        (10, "import"), (20, "import"), (30, "import\\tab"), (40, "import\\tab"), (50, "import\\tab"),
    ]  # fmt: skip


def test_binary_copy_of_an_int64_array(db):
    import numpy as np
    from django.db import connection

    from gridcare.core.bulk import copy_int64_column, is_postgresql

    if not is_postgresql():
        pytest.skip("binary COPY is PostgreSQL's")
    values = np.array([0, 1, -1, 2**40 + 3, 2**63 - 1, -(2**63)], dtype=np.int64)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE t_copy (v bigint) ON COMMIT DROP")
        assert copy_int64_column(table="t_copy", column="v", values=values) == len(values)
        cursor.execute("SELECT v FROM t_copy")
        assert sorted(row[0] for row in cursor.fetchall()) == sorted(values.tolist())


def test_binary_copy_of_several_int64_columns(db):
    import numpy as np
    from django.db import connection

    from gridcare.core.bulk import copy_int64_columns, is_postgresql

    if not is_postgresql():
        pytest.skip("binary COPY is PostgreSQL's")
    ids = np.array([3, 1, 2], dtype=np.int64)
    amounts = np.array([-5, 2**40, 0], dtype=np.int64)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE t_copy2 (id bigint, amount bigint, other text) ON COMMIT DROP")
        assert copy_int64_columns(table="t_copy2", columns={"id": ids, "amount": amounts}) == 3
        cursor.execute("SELECT id, amount, other FROM t_copy2 ORDER BY id")
        assert cursor.fetchall() == [(1, 2**40, None), (2, 0, None), (3, -5, None)]
        with pytest.raises(ValueError, match="different lengths"):
            copy_int64_columns(table="t_copy2", columns={"id": ids, "amount": amounts[:2]})


def test_whole_columns_with_texts_of_different_lengths_and_nulls_are_written_as_given(world):
    from gridcare.core.bulk import Column, copy_columns, day_numbers

    acct = factories.account(world)
    meter = acct.meter_installations.get().meter
    days = [dt.date(2025, 3, d) for d in (1, 2, 3, 4)]
    sources = ["import", "", "đọc tay — ghi chú", "x\\t\ny"]  # lengths differ; UTF-8, a backslash, a newline
    peak = np.array([5, -1, 7, -1])
    columns = [
        Column("meter_id", "int8", np.full(4, meter.pk)), Column("account_id", "int8", np.full(4, acct.pk)),
        Column("read_on", "date", day_numbers(np.array([d.toordinal() for d in days]))),
        Column("total", "int8", np.array([10, 20, 30, 40])), Column("rollover", "bool", np.array([False, True, False, False])),
        Column("source", "text", sources), Column("peak", "int8", peak, null=peak < 0),
    ]  # fmt: skip
    with transaction.atomic():
        assert copy_columns(table=Reading._meta.db_table, columns=columns, rows=4) == 4
    rows = list(
        Reading.objects.order_by("read_on").values_list("read_on", "total", "rollover", "source", "peak")
    )
    assert rows == [
        (dt.date(2025, 3, 1), 10, False, "import", 5),
        (dt.date(2025, 3, 2), 20, True, "", None),
        (dt.date(2025, 3, 3), 30, False, "đọc tay — ghi chú", 7),
        (dt.date(2025, 3, 4), 40, False, "x\\t\ny", None),
    ]


def test_a_timestamp_column_keeps_its_microseconds(world):
    from gridcare.core.bulk import microseconds

    moment = dt.datetime(2025, 7, 9, 3, 4, 5, 123456, tzinfo=dt.UTC)
    assert microseconds(moment) == 1_752_030_245_123_456
