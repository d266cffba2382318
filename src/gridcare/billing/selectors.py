"""Reads of bills and runs for the interfaces (portal, back office, API), and the integrity check of unchecked links."""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from gridcare.billing.models import Bill, BillLine, BillRun
from gridcare.customers.models import Account
from gridcare.metering.models import IntervalReading, Meter, Reading
from gridcare.notifications.models import Notice, OutboxMessage

# What a customer was sent: an issued invoice (standing or cancelled since), or the credit note of one. A bill
# held for review has no issue time, and stays unissued if it is cancelled; a credit note of such a bill (made
# by earlier versions of `bill_cancel`) is hidden with it.
_SENT_TO_CUSTOMER = Q(status__in=[Bill.Status.ISSUED, Bill.Status.CANCELLED], issued_at__isnull=False) & ~Q(
    kind=Bill.Kind.CREDIT_NOTE, refers_to__issued_at__isnull=True
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


def monthly_bill_history(
    *, account: Account, until: dt.date, months: int = 12
) -> list[tuple[dt.date, int, int]]:
    """(period, kWh, total) of the issued standing invoices of the last `months` months up to `until`, oldest first.

    Bills held for review are left out: the history printed on a bill is what the customer was sent.
    """
    first = (until.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    rows = (
        Bill.objects.filter(
            account=account,
            kind=Bill.Kind.INVOICE,
            period__gte=first,
            period__lte=until,
            status=Bill.Status.ISSUED,
        )
        .order_by("period", "pk")
        .values_list("period", "kwh", "total")
    )
    return list(rows)


def account_readings_version(*, account: Account) -> str:
    """A stamp of the account's register readings that changes when one is added, removed or corrected in place
    (`metering.services.reading_correct`): the digest of their ids, indexes and rollover flags, from one query over
    the account's readings (a few dozen small rows): the key of what the portal computes from them."""
    rows = Reading.objects.filter(account=account).order_by("pk")
    values = rows.values_list("pk", "meter_id", "read_on", "total", "peak", "normal", "offpeak", "rollover")
    return hashlib.blake2b(repr(list(values)).encode(), digest_size=12).hexdigest()


def bills_visible_to_customer(*, account: Account) -> QuerySet[Bill]:
    """The bills a customer sees: those they were sent (issued, or cancelled after issue) and their credit notes.

    Never a bill held for review, nor one cancelled while held, nor a credit note of such a bill.
    """
    return bills_for_account(account=account).filter(_SENT_TO_CUSTOMER)


def bills_from_reading(*, reading: Reading) -> list[str]:
    """Numbers of the standing bills that open or close at this reading."""
    return list(
        Bill.objects.filter(Q(start_reading=reading) | Q(end_reading=reading))
        .exclude(status=Bill.Status.CANCELLED)
        .order_by("period", "pk")
        .values_list("number", flat=True)
    )


@dataclass(frozen=True)
class Orphans:
    """Rows whose link (not checked by the database) points at a row that does not exist."""

    label: str  # e.g. "metering.reading.meter"
    count: int
    sample_ids: list[int]


# (model, link field, model the link points at): the links declared with db_constraint=False.
_UNCHECKED_LINKS = (
    (Reading, "meter", Meter),
    (Reading, "account", Account),
    (IntervalReading, "meter", Meter),
    (Bill, "start_reading", Reading),
    (Bill, "end_reading", Reading),
    (BillLine, "bill", Bill),
    (OutboxMessage, "notice", Notice),
    (OutboxMessage, "account", Account),
    (Notice, "account", Account),
)


def records_without_owner(*, sample_size: int = 5) -> list[Orphans]:
    """For each unchecked link of readings, bills, bill lines and outbox rows: the rows whose owner is missing."""
    found = []
    for model, link, target in _UNCHECKED_LINKS:
        column = model._meta.get_field(link).attname
        missing = model.objects.filter(**{f"{column}__isnull": False}).filter(
            ~Exists(target.objects.filter(pk=OuterRef(column)))
        )
        count = missing.count()
        sample = list(missing.order_by("pk").values_list("pk", flat=True)[:sample_size]) if count else []
        found.append(Orphans(label=f"{model._meta.label_lower}.{link}", count=count, sample_ids=sample))
    return found
