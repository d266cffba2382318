"""Monthly partitions of readings, interval readings, the outbox and the audit log (PostgreSQL); plain on SQLite."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from gridcare.core import partitions
from gridcare.core.models import AuditEntry
from gridcare.metering.models import IntervalReading, Reading
from gridcare.notifications.models import Notice, OutboxMessage

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
TABLES = ("metering_reading", "metering_intervalreading", "notifications_outboxmessage", "core_auditentry")
on_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="partitions exist on PostgreSQL only"
)


def _partition_of(model, pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _attached(table) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


def _exists(name) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return cursor.fetchone()[0]


def _notice(at) -> Notice:
    return Notice.objects.create(
        key=f"k{at:%Y%m%d%H%M}", topic="billing", template_key="bill_ready", created_at=at
    )


@pytest.mark.django_db
def test_sqlite_keeps_plain_tables_and_the_command_says_there_is_nothing_to_do():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert not any(partitions.is_partitioned(connection=connection, table=t) for t in TABLES)
    out = io.StringIO()
    call_command("partitions", "--ahead", "2", stdout=out)
    assert "SQLite" in out.getvalue()


@on_postgresql
@pytest.mark.django_db
def test_the_migrations_partition_the_four_tables_with_a_default_and_the_coming_months():
    this_month = timezone.localdate().replace(day=1)
    for table in TABLES:
        assert partitions.is_partitioned(connection=connection, table=table)
        attached = _attached(table)
        assert f"{table}_default" in attached
        assert f"{table}_p{this_month:%Y%m}" in attached
    with connection.cursor() as cursor:  # the partition key is in the primary key, in SQL only
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'metering_reading_pkey'"
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, read_on)"


@on_postgresql
@pytest.mark.django_db
def test_rows_land_in_their_month_by_the_business_time_zone():
    partitions.ensure_partitions(connection=connection, today=dt.date(2031, 1, 10), ahead=1)
    reading = Reading.objects.create(meter_id=1, account_id=1, read_on=dt.date(2031, 2, 28), total=5)
    assert _partition_of(Reading, reading.pk) == "metering_reading_p203102"
    # 31/01/2031 23:30 in Hanoi is 16:30 UTC the same day; 01/02 00:00 in Hanoi is 31/01 17:00 UTC.
    late = IntervalReading.objects.create(
        meter_id=1, start=dt.datetime(2031, 1, 31, 23, 30, tzinfo=HCM), energy_wh=1
    )
    first = IntervalReading.objects.create(
        meter_id=1, start=dt.datetime(2031, 2, 1, 0, 0, tzinfo=HCM), energy_wh=1
    )
    assert _partition_of(IntervalReading, late.pk) == "metering_intervalreading_p203101"
    assert _partition_of(IntervalReading, first.pk) == "metering_intervalreading_p203102"
    at = dt.datetime(2031, 2, 1, 0, 5, tzinfo=HCM)
    message = OutboxMessage.objects.create(
        notice=_notice(at), account_id=1, channel="sms", available_at=at, created_at=at
    )
    assert _partition_of(OutboxMessage, message.pk) == "notifications_outboxmessage_p203102"
    entry = AuditEntry.objects.create(
        at=dt.datetime(2031, 1, 1, 6, 0, tzinfo=HCM), action="read", object_type="x", object_id="1"
    )
    assert _partition_of(AuditEntry, entry.pk) == "core_auditentry_p203101"
    # Django's view of the table is unchanged: one id, found without the month.
    assert Reading.objects.get(pk=reading.pk).total == 5


@on_postgresql
@pytest.mark.django_db
def test_the_unique_keys_hold_across_the_partitioned_table():
    from django.db import IntegrityError, transaction

    Reading.objects.create(meter_id=7, account_id=1, read_on=dt.date(2031, 3, 1), total=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reading.objects.create(meter_id=7, account_id=1, read_on=dt.date(2031, 3, 1), total=6)


@on_postgresql
@pytest.mark.django_db
def test_the_command_creates_future_months_once():
    out = io.StringIO()
    call_command("partitions", "--ahead", "6", stdout=out)
    this_month = timezone.localdate().replace(day=1)
    six_ahead = partitions.add_months(this_month, 6)
    for table in TABLES:
        assert f"{table}_p{six_ahead:%Y%m}" in _attached(table)
    again = io.StringIO()
    call_command("partitions", "--ahead", "6", stdout=again)
    assert partitions.ensure_partitions(connection=connection, today=timezone.localdate(), ahead=6) == []
    assert "+ " not in again.getvalue()
    assert len(_attached("metering_reading")) == len(set(_attached("metering_reading")))


@on_postgresql
@pytest.mark.django_db
def test_a_row_of_a_month_without_partition_waits_in_the_default_one_and_moves_when_its_month_is_made():
    reading = Reading.objects.create(meter_id=1, account_id=1, read_on=dt.date(2035, 5, 17), total=9)
    assert _partition_of(Reading, reading.pk) == "metering_reading_default"
    out = io.StringIO()
    call_command("partitions", "--ahead", "0", stdout=out)
    assert "metering_reading: 1 " in out.getvalue()  # the command says rows wait there
    created = partitions.ensure_partitions(connection=connection, today=dt.date(2035, 5, 2), ahead=0)
    assert "metering_reading_p203505" in created
    assert _partition_of(Reading, reading.pk) == "metering_reading_p203505"
    assert partitions.default_rows(connection=connection)["metering_reading"] == 0


@on_postgresql
@pytest.mark.django_db
def test_retention_detaches_or_drops_old_months_only_when_asked():
    today = timezone.localdate()
    since = partitions.add_months(today.replace(day=1), -15)  # the outbox keeps 13 months before this one
    partitions.ensure_partitions(connection=connection, today=today, ahead=0, since=since)
    old = dt.datetime(since.year, since.month, 10, tzinfo=HCM)
    OutboxMessage.objects.create(
        notice=_notice(old), account_id=1, channel="sms", available_at=old, created_at=old
    )
    oldest = f"notifications_outboxmessage_p{since:%Y%m}"
    second = f"notifications_outboxmessage_p{partitions.add_months(since, 1):%Y%m}"
    kept = f"notifications_outboxmessage_p{partitions.add_months(since, 2):%Y%m}"

    out = io.StringIO()
    call_command("partitions", stdout=out)  # not asked: nothing leaves
    assert {oldest, second, kept} <= _attached("notifications_outboxmessage")
    assert "--detach-expired" in out.getvalue()
    assert f"metering_reading_p{since:%Y%m}" in _attached("metering_reading")  # readings keep ten years

    call_command("partitions", "--detach-expired", stdout=io.StringIO())
    attached = _attached("notifications_outboxmessage")
    assert oldest not in attached and second not in attached and kept in attached
    assert _exists(oldest)  # detached: a plain table to archive
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {oldest}")  # noqa: S608
        assert cursor.fetchone()[0] == 1
    assert OutboxMessage.objects.count() == 0

    older = partitions.add_months(since, -1)
    made = partitions.ensure_partitions(connection=connection, today=today, ahead=0, since=older)
    assert made == [f"{t}_p{older:%Y%m}" for t in TABLES]  # the detached months are not made again
    call_command("partitions", "--drop-expired", stdout=io.StringIO())
    assert not _exists(f"notifications_outboxmessage_p{older:%Y%m}")
    assert _exists(oldest)  # what was detached before stays until someone drops it
    assert f"metering_reading_p{since:%Y%m}" in _attached("metering_reading")


@pytest.mark.django_db
def test_the_daily_task_creates_the_coming_months_and_nothing_on_sqlite():
    from gridcare.core.tasks import partitions_maintain

    if connection.vendor != "postgresql":
        assert partitions_maintain.call(3, False) == 0
        return
    far = partitions.add_months(timezone.localdate().replace(day=1), 7)
    first = partitions_maintain.call(7, False)
    assert first >= len(TABLES) and all(f"{t}_p{far:%Y%m}" in _attached(t) for t in TABLES)
    assert partitions_maintain.call(7, False) == 0
