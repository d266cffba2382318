"""Builders for insights tests: standing invoices with chosen kWh (the consumption the insights read)."""

import datetime as dt
import itertools

from django.utils import timezone

from gridcare.billing.models import Bill

_seq = itertools.count(1)


def invoice(
    acct, *, period: dt.date, kwh: int, hold_reason: str = "", created_at=None, status=Bill.Status.ISSUED
):
    """One standing invoice of `acct` for the month `period` (its first day) with `kwh`."""
    n = next(_seq)
    end = dt.date(period.year + (period.month == 12), period.month % 12 + 1, 1)
    return Bill.objects.create(
        number=f"HD-T{n:08d}", account=acct, period=period, status=status, hold_reason=hold_reason,
        start_date=period, end_date=end, days=(end - period).days, start_index=0, end_index=kwh, kwh=kwh,
        subtotal=kwh * 2000, vat=kwh * 160, total=kwh * 2160, created_at=created_at or timezone.now(),
    )  # fmt: skip
