"""Reads of the payments ledger for the interfaces: balances, what is owed, payments, receipts, orders."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from gridcare.billing.models import Bill
from gridcare.customers.models import Account
from gridcare.payments.models import Allocation, Payment, PaymentOrder, PaymentReversal

# A bill is owed when it is an issued invoice that stands: held bills were never sent, cancelled or replaced
# ones are not owed (their credit note cancels them), credit notes are not bills to pay.
OWED = Q(kind=Bill.Kind.INVOICE, status=Bill.Status.ISSUED)


def _allocated_to_bill() -> Subquery:
    return Subquery(
        Allocation.objects.filter(bill=OuterRef("pk")).order_by().values("bill")
        .annotate(s=Sum("amount")).values("s")[:1],
        output_field=BigIntegerField(),
    )  # fmt: skip


def owed_bills(*, account: Account | int) -> QuerySet[Bill]:
    """The account's owed bills annotated with `allocated` and `outstanding`, oldest due first."""
    account_id = account if isinstance(account, int) else account.pk
    return (
        Bill.objects.filter(OWED, account_id=account_id)
        .annotate(allocated=Coalesce(_allocated_to_bill(), Value(0), output_field=BigIntegerField()))
        .annotate(outstanding=F("total") - F("allocated"))
        .order_by(F("due_date").asc(nulls_last=True), "period", "pk")
    )


def bills_outstanding(*, account: Account | int) -> QuerySet[Bill]:
    """The owed bills with something left to pay (`outstanding` > 0, before any unallocated credit), oldest due first."""
    return owed_bills(account=account).filter(outstanding__gt=0)


def account_unallocated(*, account: Account | int) -> int:
    """What the account's payments hold and have not allocated to bills (received − refunded/reversed − allocated)."""
    account_id = account if isinstance(account, int) else account.pk
    received = Payment.objects.filter(account_id=account_id).aggregate(s=Sum("amount"))["s"] or 0
    reversed_ = (
        PaymentReversal.objects.filter(payment__account_id=account_id).aggregate(s=Sum("amount"))["s"] or 0
    )
    allocated = Allocation.objects.filter(payment__account_id=account_id).aggregate(s=Sum("amount"))["s"] or 0
    return received - reversed_ - allocated


@dataclass(frozen=True)
class BillDue:
    bill: Bill
    outstanding: int  # left to pay once the account's unallocated credit is applied (oldest due first)
    overdue: bool


@dataclass(frozen=True)
class Balance:
    due: int  # everything left to pay
    overdue: int  # the part of `due` whose due date has passed
    credit: int  # money held for the next bill
    bills: list[BillDue] = field(default_factory=list)  # bills left to pay, oldest due first

    @property
    def next_due_date(self) -> dt.date | None:
        dates = [b.bill.due_date for b in self.bills if b.bill.due_date]
        return min(dates) if dates else None


def account_balance(*, account: Account | int, today: dt.date) -> Balance:
    """What the account owes (due, overdue), its credit, and the bills left to pay.

    Unallocated credit is applied to the oldest bills here too, so the balance is right even before the credit has
    been allocated to a bill issued after the payment (`payments.services.payments_allocate` does that).
    """
    free = account_unallocated(account=account)
    bills, due, overdue = [], 0, 0
    for bill in bills_outstanding(account=account):
        used = min(free, bill.outstanding) if free > 0 else 0
        free -= used
        left = bill.outstanding - used
        if left <= 0:
            continue
        late = bill.due_date is not None and bill.due_date < today
        bills.append(BillDue(bill=bill, outstanding=left, overdue=late))
        due += left
        overdue += left if late else 0
    return Balance(due=due, overdue=overdue, credit=max(free, 0), bills=bills)


def bill_paid_amount(*, bill: Bill) -> int:
    """What has been allocated to this bill."""
    return Allocation.objects.filter(bill=bill).aggregate(s=Sum("amount"))["s"] or 0


def payments_for_account(*, account: Account) -> QuerySet[Payment]:
    """The account's payments (receipts), newest first."""
    return Payment.objects.filter(account=account).order_by("-received_at", "-pk")


def payment_allocations(*, payment: Payment) -> QuerySet[Allocation]:
    return Allocation.objects.filter(payment=payment).select_related("bill").order_by("pk")


def payment_reversed_amount(*, payment: Payment) -> int:
    return PaymentReversal.objects.filter(payment=payment).aggregate(s=Sum("amount"))["s"] or 0


def payment_for_order(*, order: PaymentOrder) -> Payment | None:
    return Payment.objects.filter(order=order).first()


def order_by_reference(*, reference: str) -> PaymentOrder | None:
    return PaymentOrder.objects.select_related("account").filter(reference=reference).first()


def orders_for_account(*, account: Account) -> QuerySet[PaymentOrder]:
    return PaymentOrder.objects.filter(account=account).order_by("-created_at", "-pk")


def orders_to_query(*, older_than: dt.datetime) -> QuerySet[PaymentOrder]:
    """Pending gateway orders started before `older_than` (no callback yet): to be asked about, then settled or expired."""
    return PaymentOrder.objects.filter(
        status=PaymentOrder.Status.PENDING, created_at__lt=older_than
    ).order_by("pk")


def bills_outstanding_of(*, accounts: list[int]) -> list[tuple[int, int, int]]:
    """(bill id, account id, outstanding) of the owed bills left to pay of many accounts, each oldest due first."""
    return list(
        Bill.objects.filter(OWED, account_id__in=accounts)
        .annotate(allocated=Coalesce(_allocated_to_bill(), Value(0), output_field=BigIntegerField()))
        .annotate(outstanding=F("total") - F("allocated"))
        .filter(outstanding__gt=0)
        .order_by("account_id", F("due_date").asc(nulls_last=True), "period", "pk")
        .values_list("pk", "account_id", "outstanding")
    )


# Notices about a bill (billing's "bill ready", payments' reminders) and about a payment (the receipt).
BILL_NOTICE_TEMPLATES = ("bill_ready", "payment_due_soon", "payment_overdue", "disconnection_warning")
RECEIPT_NOTICE_TEMPLATE = "payment_receipt"


def notice_targets(
    *, account: Account | int, notices: list[tuple[str, dict]]
) -> list[tuple[str, str] | None]:
    """What each notice (template key, context) is about: `("bill", number)`, `("receipt", number)` or None.

    A "bill ready" notice names the period (`MM/YYYY`), a reminder the due date: the account's invoice of that
    period or due date (the newest standing one; a cancelled bill's replacement) is the bill it is about. One query
    for every notice of the page, whatever their number.
    """
    account_id = account if isinstance(account, int) else account.pk
    wanted = [(key, ctx) for key, ctx in notices if key in BILL_NOTICE_TEMPLATES]
    bills = []
    if wanted:
        bills = list(
            Bill.objects.filter(account_id=account_id, kind=Bill.Kind.INVOICE)
            .exclude(status=Bill.Status.CANCELLED).order_by("-period", "-pk")
            .values_list("number", "period", "due_date")[:60]
        )  # fmt: skip
    by_period: dict[str, str] = {}
    by_due: dict[str, str] = {}
    for number, period, due in bills:
        by_period.setdefault(f"{period:%m/%Y}", number)
        if due is not None:
            by_due.setdefault(due.isoformat(), number)
    result: list[tuple[str, str] | None] = []
    for key, ctx in notices:
        ctx = ctx or {}
        if key == RECEIPT_NOTICE_TEMPLATE and ctx.get("receipt"):
            result.append(("receipt", str(ctx["receipt"])))
            continue
        if key not in BILL_NOTICE_TEMPLATES:
            result.append(None)
            continue
        due = ctx.get("due_on")
        due = due.get("date") if isinstance(due, dict) else due
        number = (
            by_period.get(str(ctx.get("period", "")))
            if key == "bill_ready"
            else by_due.get(str(due or "")[:10])
        )
        result.append(("bill", number) if number else None)
    return result


def work_queue_counts(*, user, lines: bool, differences: bool) -> tuple[int, int]:
    """(unmatched statement lines, open reconciliation differences) that `user` may see, in one query (the workday
    page's payments queues); a count not asked for is 0."""
    from django.db import connection

    from gridcare.org import policy
    from gridcare.payments.operations_models import ReconciliationDifference
    from gridcare.payments.statements_models import StatementLine

    parts, params = [], []
    for wanted, queryset in (
        (lines, StatementLine.objects.filter(status=StatementLine.Status.UNMATCHED)),
        (differences, ReconciliationDifference.objects.filter(status=ReconciliationDifference.Status.OPEN)),
    ):
        if not wanted:
            parts.append("0")
            continue
        sql, values = policy.records(queryset, user=user).order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) q)")  # noqa: S608 - the ORM's own SQL
        params.extend(values)
    if parts == ["0", "0"]:
        return 0, 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)  # noqa: S608 - the ORM's own SQL, its params bound
        waiting, open_ = cursor.fetchone()
    return int(waiting), int(open_)
