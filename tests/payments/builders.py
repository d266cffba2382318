"""Bills to pay, built directly (the bill run is tested elsewhere): totals and due dates chosen by the test."""

import datetime as dt
import itertools

from django.utils import timezone

from gridcare.billing.models import Bill

_seq = itertools.count(1)
NOW = dt.datetime(2025, 8, 1, 9, 0, tzinfo=dt.UTC)


def bill(
    acct, *, total, due_date, period=None, status=Bill.Status.ISSUED, kind=Bill.Kind.INVOICE, refers_to=None
):
    """An issued invoice of `total` VND (VAT 8% inside) due on `due_date`, for the month before it by default."""
    n = next(_seq)
    period = period or (due_date.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    vat = round(total * 8 / 108)
    return Bill.objects.create(
        number=f"HD{n:08d}", kind=kind, account=acct, period=period, status=status, start_date=period,
        end_date=period + dt.timedelta(days=30), days=30, start_index=0, end_index=100, kwh=100,
        subtotal=total - vat, vat=vat, total=total, created_at=NOW, issued_at=NOW if status != "held" else None,
        due_date=due_date, refers_to=refers_to,
    )  # fmt: skip


def now():
    return timezone.now()
