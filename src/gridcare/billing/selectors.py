"""Reads of bills and runs for the interfaces (portal, back office, API), and the integrity check of unchecked links."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from gridcare.billing.models import Bill, BillLine, BillRun
from gridcare.customers.models import Account
from gridcare.metering.models import IntervalReading, Meter, Reading
from gridcare.notifications.models import Notice, OutboxMessage


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
