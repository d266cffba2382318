"""Writes of the payments ledger: record a payment once, allocate it, refund or reverse it.

Each function runs in one transaction. A payment is keyed by (channel, reference), a unique constraint: recording
the same one again returns the stored payment and changes nothing. Allocation applies what an account's payments
hold to its owed bills, oldest due first (bills the payer named first); the database triggers of
`ledger_triggers` refuse any allocation beyond a payment or a bill, whoever writes it.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from gridcare.billing.models import Bill
from gridcare.customers.models import Account
from gridcare.payments import selectors
from gridcare.payments.models import Allocation, Channel, Payment, PaymentOrder, PaymentReversal


class PaymentError(Exception):
    """A payment operation refused; `code` is stable, `message` says why in Vietnamese."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


def payment_record(
    *,
    channel: str,
    reference: str,
    account: Account | int,
    amount: int,
    received_at: dt.datetime,
    bills: Sequence[Bill | int] | None = None,
    order: PaymentOrder | None = None,
    gateway_transaction: str = "",
    payer: str = "",
    note: str = "",
    now: dt.datetime | None = None,
    allocate: bool = True,
) -> tuple[Payment, bool]:
    """Record money received once per (channel, reference) and allocate it; returns (payment, whether it is new).

    `bills` are served first (the bills the payer chose), then the account's other owed bills oldest due first;
    what is left stays as credit for the next bill. A known (channel, reference) returns the stored payment as it
    is, whatever the other arguments say: the caller compares them (a gateway replay with another amount).
    """
    if channel not in Channel.values:
        raise PaymentError("unknown_channel", f"Kênh thanh toán không hợp lệ: {channel}.")
    if int(amount) <= 0:
        raise PaymentError("invalid_amount", "Số tiền thanh toán phải lớn hơn 0.")
    reference = str(reference).strip()
    if not reference:
        raise PaymentError("missing_reference", "Thiếu mã giao dịch.")
    account_id = account if isinstance(account, int) else account.pk
    now = now or received_at
    with transaction.atomic():
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    channel=channel, reference=reference, account_id=account_id, amount=int(amount),
                    received_at=received_at, recorded_at=now, order=order, gateway_transaction=gateway_transaction,
                    payer=payer[:200], note=note[:300],
                )  # fmt: skip
        except IntegrityError:
            # The unique (channel, reference) — or the order's one payment — is already taken: a replay. A
            # concurrent identical insert waits on the index until the first commits, then lands here.
            existing = Payment.objects.filter(channel=channel, reference=reference).first()
            if existing is None and order is not None:
                existing = Payment.objects.filter(order=order).first()
            if existing is None:
                raise
            return existing, False
        if allocate:
            _allocate_account(account_id=account_id, prefer=[b if isinstance(b, int) else b.pk for b in bills or ()],
                              now=now)  # fmt: skip
        return payment, True


def payments_allocate(*, accounts: Iterable[Account | int], now: dt.datetime) -> int:
    """Apply each account's unallocated credit to its owed bills, oldest due first; returns the amount allocated.

    Idempotent: what is allocated is no longer free, so a second call allocates nothing. Allocations to bills
    cancelled since are released first (negative allocations), so that money pays the bill that replaced them.
    """
    total = 0
    for account in accounts:
        account_id = account if isinstance(account, int) else account.pk
        with transaction.atomic():
            total += _allocate_account(account_id=account_id, prefer=[], now=now)
    return total


def _allocate_account(*, account_id: int, prefer: list[int], now: dt.datetime) -> int:
    # One allocator per account at a time (PostgreSQL; SQLite has one writer): the sums read below stay true
    # until this transaction commits. `no_key`: rows that merely refer to the account are not blocked.
    Account.objects.select_for_update(no_key=True).filter(pk=account_id).values_list("pk").first()
    rows: list[Allocation] = []
    # Release what still sits on bills that are no longer owed (cancelled or replaced since it was allocated).
    stale = (
        Allocation.objects.filter(payment__account_id=account_id)
        .exclude(bill__in=Bill.objects.filter(selectors.OWED, account_id=account_id))
        .values("payment_id", "bill_id").annotate(s=Sum("amount")).filter(s__gt=0).order_by("payment_id", "bill_id")
    )  # fmt: skip
    freed: dict[int, int] = {}
    for row in stale:
        rows.append(Allocation(payment_id=row["payment_id"], bill_id=row["bill_id"], amount=-row["s"],
                               reason=Allocation.Reason.BILL_CANCELLED, created_at=now))  # fmt: skip
        freed[row["payment_id"]] = freed.get(row["payment_id"], 0) + row["s"]
    # What each payment still holds, oldest payment first.
    held = []
    payments = Payment.objects.filter(account_id=account_id).order_by("received_at", "pk").values_list("pk", "amount")
    allocated = dict(
        Allocation.objects.filter(payment__account_id=account_id).order_by().values("payment_id")
        .annotate(s=Sum("amount")).values_list("payment_id", "s")
    )  # fmt: skip
    reversed_ = dict(
        PaymentReversal.objects.filter(payment__account_id=account_id).order_by().values("payment_id")
        .annotate(s=Sum("amount")).values_list("payment_id", "s")
    )  # fmt: skip
    for pk, amount in payments:
        free = amount - allocated.get(pk, 0) - reversed_.get(pk, 0) + freed.get(pk, 0)
        if free > 0:
            held.append([pk, free])
    bills = list(selectors.bills_outstanding(account=account_id).values_list("pk", "outstanding"))
    if prefer:
        rank = {pk: i for i, pk in enumerate(prefer)}
        bills.sort(key=lambda b: rank.get(b[0], len(rank)))  # stable: the others stay oldest due first
    applied = 0
    for bill_id, outstanding in bills:
        while outstanding > 0 and held:
            payment = held[0]
            part = min(outstanding, payment[1])
            rows.append(Allocation(payment_id=payment[0], bill_id=bill_id, amount=part, created_at=now))
            outstanding -= part
            payment[1] -= part
            applied += part
            if payment[1] == 0:
                held.pop(0)
        if not held:
            break
    if rows:
        Allocation.objects.bulk_create(rows)
    return applied


def payment_reverse(
    *,
    payment: Payment,
    kind: str,
    amount: int,
    reference: str,
    reason: str,
    now: dt.datetime,
    user: Any = None,
) -> tuple[PaymentReversal, bool]:
    """Refund or reverse (part of) a payment, once per (payment, reference); returns (entry, whether it is new).

    The payment's allocations are released as needed (newest bill first) by negative allocations, so the bills
    it paid are owed again; nothing is edited.
    """
    if kind not in PaymentReversal.Kind.values:
        raise PaymentError("unknown_kind", "Loại hoàn tiền không hợp lệ.")
    if int(amount) <= 0:
        raise PaymentError("invalid_amount", "Số tiền hoàn phải lớn hơn 0.")
    with transaction.atomic():
        existing = PaymentReversal.objects.filter(payment=payment, reference=reference).first()
        if existing is not None:
            return existing, False
        Account.objects.select_for_update(no_key=True).filter(pk=payment.account_id).values_list("pk").first()
        reversed_ = selectors.payment_reversed_amount(payment=payment)
        per_bill = list(
            Allocation.objects.filter(payment=payment).values("bill_id").annotate(s=Sum("amount")).filter(s__gt=0)
            .order_by("-bill_id")
        )  # fmt: skip
        allocated = sum(row["s"] for row in per_bill)
        if reversed_ + int(amount) > payment.amount:
            raise PaymentError("exceeds_payment", "Số tiền hoàn lớn hơn số tiền còn lại của khoản thanh toán.")
        to_release = max(0, allocated + reversed_ + int(amount) - payment.amount)
        releases = []
        for row in per_bill:
            if to_release <= 0:
                break
            part = min(row["s"], to_release)
            releases.append(Allocation(payment=payment, bill_id=row["bill_id"], amount=-part,
                                       reason=Allocation.Reason.REVERSAL, created_at=now))  # fmt: skip
            to_release -= part
        Allocation.objects.bulk_create(releases)
        entry = PaymentReversal.objects.create(
            payment=payment, kind=kind, amount=int(amount), reference=reference[:64], reason=reason[:300],
            created_at=now, created_by=user if getattr(user, "is_authenticated", False) else None,
        )  # fmt: skip
        return entry, True
