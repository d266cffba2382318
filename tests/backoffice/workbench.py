"""Records in every state the workday page counts: held and issued bills, bill runs, failed messages, imports."""

import datetime as dt
import itertools

from django.utils import timezone

from gridcare.billing.models import Bill, BillRun
from gridcare.metering.models import ReadingImport
from gridcare.notifications.models import Notice, OutboxMessage
from tests import factories

_seq = itertools.count(1)


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def bill(account, *, status=Bill.Status.ISSUED, total=100_000, period=None, issued_at=None):
    """A bill of `account` (issued now unless held), with a hand-chosen total."""
    period = period or this_month()
    now = timezone.now()
    return Bill.objects.create(
        number=f"T{period:%Y%m}-{next(_seq):09d}", account=account, period=period, status=status,
        start_date=period - dt.timedelta(days=26), end_date=period + dt.timedelta(days=4), days=30,
        start_index=0, end_index=100, kwh=100, subtotal=total, vat=0, total=total, created_at=now,
        issued_at=None if status == Bill.Status.HELD else (issued_at or now),
    )  # fmt: skip


def bill_run(route, *, status):
    return BillRun.objects.create(period=this_month(), route=route, status=status, created_at=timezone.now())


def message(account, *, status, channel="sms"):
    now = timezone.now()
    notice = Notice.objects.create(
        key=f"test-{next(_seq)}", topic="bills", template_key="bill_ready", created_at=now, account=account
    )
    return OutboxMessage.objects.create(
        notice=notice, account=account, channel=channel, status=status, available_at=now, created_at=now,
        last_error="Số điện thoại không nhận tin" if status == "failed" else "",
    )  # fmt: skip


def reading_import(unit, *, status=ReadingImport.Status.DONE_WITH_ERRORS, rejected=3):
    return ReadingImport.objects.create(
        source=f"doc-so-{next(_seq)}.csv", sha256=f"{next(_seq):064d}", started_at=timezone.now(), status=status,
        rows_total=10, rows_inserted=10 - rejected, rows_rejected=rejected, unit=unit,
    )  # fmt: skip


def populate(world, *, team, rows: int):
    """`rows` of each kind for `team`: held and issued bills, failed and sent messages, imports with errors."""
    route = world["routes"][team]
    accounts = []
    for i in range(rows):
        account = factories.account(world, team=team, phone=f"+8491000{next(_seq):04d}")
        accounts.append(account)
        bill(account, status=Bill.Status.HELD, total=200_000 + i)
        bill(account, period=this_month() - dt.timedelta(days=40), total=150_000)
        message(account, status="failed")
        message(account, status="delivered", channel="email")
        reading_import(team)
        bill_run(route, status=BillRun.Status.FAILED)
    bill_run(route, status=BillRun.Status.RUNNING)
    return accounts
