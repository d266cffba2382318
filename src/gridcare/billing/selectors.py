"""Reads of bills and runs for the interfaces (portal, back office, API)."""

import datetime as dt

from django.db.models import Q, QuerySet

from gridcare.billing.models import Bill, BillLine, BillRun
from gridcare.customers.models import Account

# What a customer was sent: an issued invoice (standing or cancelled since), or the credit note of one. A bill
# held for review has no issue time, and stays unissued if it is cancelled; a credit note of such a bill (made
# by earlier versions of `bill_cancel`) is hidden with it.
_SENT_TO_CUSTOMER = (
    Q(status__in=[Bill.Status.ISSUED, Bill.Status.CANCELLED], issued_at__isnull=False)
    & ~Q(kind=Bill.Kind.CREDIT_NOTE, refers_to__issued_at__isnull=True)
)


def bills_for_account(*, account: Account) -> QuerySet[Bill]:
    """An account's bills and credit notes, newest period first."""
    return Bill.objects.filter(account=account).order_by("-period", "-created_at", "-pk")


def bill_lines(*, bill: Bill) -> QuerySet[BillLine]:
    return BillLine.objects.filter(bill=bill).order_by("position", "pk")


def standing_bill(*, account: Account, period: dt.date) -> Bill | None:
    """The issued invoice that stands (not cancelled) for an account and a month, if any (never a held one)."""
    return (
        Bill.objects.filter(account=account, period=period, kind=Bill.Kind.INVOICE, status=Bill.Status.ISSUED)
        .order_by("-pk")
        .first()
    )


def bill_runs() -> QuerySet[BillRun]:
    return BillRun.objects.select_related("route").order_by("-created_at", "-pk")


def held_bills(*, run: BillRun | None = None) -> QuerySet[Bill]:
    bills = Bill.objects.filter(status=Bill.Status.HELD).select_related("account")
    return (bills.filter(run=run) if run else bills).order_by("account__code", "pk")


def monthly_bill_history(*, account: Account, until: dt.date, months: int = 12) -> list[tuple[dt.date, int, int]]:
    """(period, kWh, total) of the issued standing invoices of the last `months` months up to `until`, oldest first.

    Bills held for review are left out: the history printed on a bill is what the customer was sent.
    """
    first = (until.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    rows = (
        Bill.objects.filter(account=account, kind=Bill.Kind.INVOICE, period__gte=first, period__lte=until,
                            status=Bill.Status.ISSUED)
        .order_by("period", "pk")
        .values_list("period", "kwh", "total")
    )
    return list(rows)


def bills_visible_to_customer(*, account: Account) -> QuerySet[Bill]:
    """The bills a customer sees: those they were sent (issued, or cancelled after issue) and their credit notes.

    Never a bill held for review, nor one cancelled while held, nor a credit note of such a bill.
    """
    return bills_for_account(account=account).filter(_SENT_TO_CUSTOMER)
