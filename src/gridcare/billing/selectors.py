"""Reads of bills and runs for the interfaces (portal, back office, API)."""

import datetime as dt

from django.db.models import QuerySet

from gridcare.billing.models import Bill, BillLine, BillRun
from gridcare.customers.models import Account


def bills_for_account(*, account: Account) -> QuerySet[Bill]:
    """An account's bills and credit notes, newest period first."""
    return Bill.objects.filter(account=account).order_by("-period", "-created_at", "-pk")


def bill_lines(*, bill: Bill) -> QuerySet[BillLine]:
    return BillLine.objects.filter(bill=bill).order_by("position", "pk")


def standing_bill(*, account: Account, period: dt.date) -> Bill | None:
    """The invoice that stands (not cancelled) for an account and a month, if any."""
    return (
        Bill.objects.filter(account=account, period=period, kind=Bill.Kind.INVOICE)
        .exclude(status=Bill.Status.CANCELLED)
        .order_by("-pk")
        .first()
    )


def bill_runs() -> QuerySet[BillRun]:
    return BillRun.objects.select_related("route").order_by("-created_at", "-pk")


def held_bills(*, run: BillRun | None = None) -> QuerySet[Bill]:
    bills = Bill.objects.filter(status=Bill.Status.HELD).select_related("account")
    return (bills.filter(run=run) if run else bills).order_by("account__code", "pk")


def monthly_bill_history(*, account: Account, until: dt.date, months: int = 12) -> list[tuple[dt.date, int, int]]:
    """(period, kWh, total) of the standing invoices of the last `months` months up to `until`, oldest first."""
    first = (until.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    rows = (
        Bill.objects.filter(account=account, kind=Bill.Kind.INVOICE, period__gte=first, period__lte=until)
        .exclude(status=Bill.Status.CANCELLED)
        .order_by("period", "pk")
        .values_list("period", "kwh", "total")
    )
    return list(rows)


def bills_visible_to_customer(*, account: Account) -> QuerySet[Bill]:
    """The bills a customer sees: issued or cancelled invoices and credit notes, never one held for review."""
    return bills_for_account(account=account).exclude(status=Bill.Status.HELD)
