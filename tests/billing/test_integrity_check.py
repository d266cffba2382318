"""`gridcare integrity-check` and the PostgreSQL system check find rows whose unchecked owner link is broken."""

import datetime as dt
import io

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import connection

from gridcare.billing import services
from gridcare.billing.models import Bill, BillLine
from gridcare.metering.models import Reading
from gridcare.notifications.models import OutboxMessage
from gridcare.notifications.services import notify
from tests import factories

NOW = dt.datetime(2025, 7, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def billed(world):
    acct = factories.account(world, phone="+84912345678")
    factories.readings(acct, [1000, 1150, 1290, 1420, 1600, 1800, 1950])
    for month in (6, 7):
        run = services.bill_run_create(
            period=dt.date(2025, month, 1), route=world["routes"][world["teams"][0]], now=NOW
        )
        services.bill_run_execute(run=run, now=NOW)
    notify(topic="programmes", recipients=[acct.pk], template="hello", now=NOW)
    return acct


def _run():
    out = io.StringIO()
    try:
        call_command("integrity_check", stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_clean_database_passes(billed):
    assert Bill.objects.count() == 2 and BillLine.objects.exists() and OutboxMessage.objects.exists()
    code, out = _run()
    assert code == 0
    assert "đều có bản ghi gốc" in out


def test_orphans_made_with_raw_sql_are_counted_with_their_ids(billed):
    june, july = Bill.objects.order_by("period")
    reading = Reading.objects.order_by("read_on").first()
    message = OutboxMessage.objects.order_by("pk").first()
    june_lines = sorted(BillLine.objects.filter(bill=june).values_list("pk", flat=True))
    _raw("UPDATE metering_reading SET meter_id = meter_id + 1000000 WHERE id = %s", [reading.pk])
    _raw("UPDATE billing_bill SET end_reading_id = end_reading_id + 1000000 WHERE id = %s", [july.pk])
    _raw("DELETE FROM billing_bill WHERE id = %s", [june.pk])  # its lines stay (no cascade in the database)
    _raw("UPDATE notifications_outboxmessage SET notice_id = notice_id + 1000000 WHERE id = %s", [message.pk])

    code, out = _run()

    assert code == 1
    lines = out.splitlines()
    assert f"metering.reading.meter: 1 dòng không có bản ghi gốc (ví dụ id {reading.pk})" in lines
    assert f"billing.bill.end_reading: 1 dòng không có bản ghi gốc (ví dụ id {july.pk})" in lines
    assert (f"billing.billline.bill: {len(june_lines)} dòng không có bản ghi gốc "
            f"(ví dụ id {', '.join(map(str, june_lines[:5]))})") in lines  # fmt: skip
    assert f"notifications.outboxmessage.notice: 1 dòng không có bản ghi gốc (ví dụ id {message.pk})" in lines
    assert not any(
        line.startswith(("metering.reading.account", "notifications.outboxmessage.account")) for line in lines
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the system check runs on PostgreSQL")
def test_the_database_system_check_warns_of_orphans(billed):
    assert [
        m
        for m in checks.run_checks(databases=["default"], tags=[checks.Tags.database])
        if m.id == "gridcare.W001"
    ] == []
    reading = Reading.objects.order_by("read_on").first()
    _raw("UPDATE metering_reading SET account_id = account_id + 1000000 WHERE id = %s", [reading.pk])
    [warning] = [
        m
        for m in checks.run_checks(databases=["default"], tags=[checks.Tags.database])
        if m.id == "gridcare.W001"
    ]
    assert "metering.reading.account" in warning.msg and str(reading.pk) in warning.msg
