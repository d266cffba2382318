"""Writes of the payments ledger: record a payment once, allocate it, refund or reverse it.

Each function runs in one transaction. A payment is keyed by (channel, reference), a unique constraint: recording
the same one again returns the stored payment and changes nothing. Allocation applies what an account's payments
hold to its owed bills, oldest due first (bills the payer named first); the database triggers of
`ledger_triggers` refuse any allocation beyond a payment or a bill, whoever writes it.
"""

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import translation

from gridcare.billing.models import Bill
from gridcare.core.bulk import insert_once
from gridcare.customers.models import Account
from gridcare.notifications.models import Topic
from gridcare.notifications.services import notify
from gridcare.payments import selectors
from gridcare.payments.gateways import GatewayError, GatewayResult, gateway_for
from gridcare.payments.gateways.base import VIETNAM, PaymentRequest
from gridcare.payments.models import (
    Allocation,
    Channel,
    GatewayCallback,
    Payment,
    PaymentOrder,
    PaymentOrderBill,
    PaymentReversal,
)  # fmt: skip


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
    # No savepoint of its own inside the caller's transaction (a gateway callback's): nothing is retried here
    # after an error, and the replay is told by the insert itself.
    with transaction.atomic(savepoint=False):
        payment = Payment(
            channel=channel, reference=reference, account_id=account_id, amount=int(amount), received_at=received_at,
            recorded_at=now, order=order, gateway_transaction=gateway_transaction, payer=payer[:200], note=note[:300],
        )  # fmt: skip
        if not insert_once(payment):
            # The unique (channel, reference) — or the order's one payment — is already taken: a replay. A
            # concurrent identical insert waits on the index until the first commits, then lands here.
            existing = Payment.objects.filter(channel=channel, reference=reference).first()
            if existing is None and order is not None:
                existing = Payment.objects.filter(order=order).first()
            if existing is None:
                raise IntegrityError(f"payment {channel}:{reference} conflicts with a row that is gone")
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


def _sum_of(model) -> Coalesce:
    """The sum of the `amount` of a payment's rows of `model` (allocations, reversals), 0 when it has none."""
    rows = model.objects.filter(payment=OuterRef("pk")).order_by().values("payment").annotate(s=Sum("amount")).values("s")
    return Coalesce(Subquery(rows), 0)


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
    # What each payment still holds, oldest payment first (its allocations and reversals summed in the same query).
    held = []
    payments = (
        Payment.objects.filter(account_id=account_id)
        .annotate(allocated=_sum_of(Allocation), reversed=_sum_of(PaymentReversal))
        .order_by("received_at", "pk").values_list("pk", "amount", "allocated", "reversed")
    )  # fmt: skip
    for pk, amount, allocated, reversed_ in payments:
        free = amount - allocated - reversed_ + freed.get(pk, 0)
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


# --- Payment orders: a customer pays through a gateway --------------------------------------------------------


def _order_reference(*, gateway: str, now: dt.datetime) -> str:
    """Our transaction reference: ZaloPay wants `yyMMdd_xxx` (the local date), VNPAY letters and digits."""
    day = now.astimezone(VIETNAM).strftime("%y%m%d")
    token = secrets.token_hex(6).upper()
    return f"{day}_{token}" if gateway == Channel.ZALOPAY else f"GC{day}{token}"


def payment_order_create(
    *,
    account: Account,
    gateway: str,
    bills: Sequence[Bill] | None = None,
    now: dt.datetime,
    return_url: Callable[[str], str],
    client_ip: str = "",
    language: str = "vi",
    user: Any = None,
) -> tuple[PaymentOrder, str]:
    """Start paying `bills` (default: everything due) through a gateway; returns (the pending order, where to go).

    The amount is what is left to pay on those bills after the account's credit. The order is saved before the
    gateway is asked, and a status query is scheduled in case no callback ever comes.
    """
    if gateway not in (Channel.VNPAY, Channel.ZALOPAY):
        raise PaymentError("unknown_gateway", "Cổng thanh toán không hỗ trợ.")
    balance = selectors.account_balance(account=account, today=now.astimezone(VIETNAM).date())
    due = {d.bill.pk: d for d in balance.bills}
    if bills:
        unknown = [b.number for b in bills if b.pk not in due]
        if unknown:
            raise PaymentError("bill_not_due", "Hoá đơn không còn nợ hoặc không thuộc khách hàng này: "
                               + ", ".join(unknown) + ".")  # fmt: skip
        chosen = [due[b.pk] for b in bills]
    else:
        chosen = list(balance.bills)
    amount = sum(d.outstanding for d in chosen)
    if amount <= 0:
        raise PaymentError("nothing_due", "Khách hàng không còn khoản nào phải thanh toán.")
    minutes = int(getattr(settings, "GRIDCARE_PAYMENT_ORDER_MINUTES", 15))
    with transaction.atomic():
        order = PaymentOrder.objects.create(
            reference=_order_reference(gateway=gateway, now=now), gateway=gateway, account=account, amount=amount,
            created_at=now, expires_at=now + dt.timedelta(minutes=minutes),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )  # fmt: skip
        PaymentOrderBill.objects.bulk_create(
            PaymentOrderBill(order=order, bill=d.bill, amount=d.outstanding) for d in chosen
        )
        after = dt.timedelta(minutes=int(getattr(settings, "GRIDCARE_PAYMENT_QUERY_AFTER_MINUTES", 20)))
        transaction.on_commit(lambda: _query_later(order.reference, now + after))
    request = PaymentRequest(
        reference=order.reference, amount=amount, description=f"Thanh toan tien dien {account.code} {order.reference}",
        account_code=account.code, created_at=now, expires_at=order.expires_at, return_url=return_url(order.reference),
        client_ip=client_ip, language=language, items=tuple((d.bill.number, d.outstanding) for d in chosen),
    )  # fmt: skip
    try:
        url = gateway_for(gateway).payment_url(request=request)
    except GatewayError as exc:
        PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.PENDING).update(
            status=PaymentOrder.Status.FAILED, settled_at=now, result_code=exc.code[:16]
        )
        raise PaymentError(exc.code, "Cổng thanh toán đang bận, quý khách vui lòng thử lại sau.") from exc
    return order, url


def _query_later(reference: str, at: dt.datetime) -> None:
    from gridcare.payments.tasks import payment_order_query

    payment_order_query.using(run_after=at).enqueue(reference)


class Outcome(StrEnum):
    CONFIRMED = GatewayCallback.Outcome.CONFIRMED
    ALREADY_CONFIRMED = GatewayCallback.Outcome.ALREADY_CONFIRMED
    FAILED = GatewayCallback.Outcome.FAILED
    NOT_FOUND = GatewayCallback.Outcome.NOT_FOUND
    INVALID_AMOUNT = GatewayCallback.Outcome.INVALID_AMOUNT
    INVALID_SIGNATURE = GatewayCallback.Outcome.INVALID_SIGNATURE
    ERROR = GatewayCallback.Outcome.ERROR


def payment_order_settle(*, channel: str, result: GatewayResult, now: dt.datetime) -> tuple[Outcome, PaymentOrder | None]:
    """Apply what a gateway reports (a verified callback or a query's answer) to our order, once.

    VNPAY's order of checks: the order exists, the amount is the order's, then it is new. A success records the
    payment (keyed by our reference, so a replay finds it and changes nothing) and marks the order paid even if
    it had expired or failed before (a late callback: the money did arrive); a failure only ends a pending order.
    """
    order = PaymentOrder.objects.filter(reference=result.reference, gateway=channel).first()
    if order is None:
        return Outcome.NOT_FOUND, None
    if result.amount != order.amount:
        return Outcome.INVALID_AMOUNT, order
    with transaction.atomic():
        if not result.succeeded:
            ended = PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.PENDING).update(
                status=PaymentOrder.Status.FAILED, settled_at=now, result_code=result.code[:16],
                gateway_transaction=result.gateway_transaction[:64],
            )  # fmt: skip
            return (Outcome.FAILED if ended else Outcome.ALREADY_CONFIRMED), order
        bills = list(PaymentOrderBill.objects.filter(order=order).order_by("pk").values_list("bill_id", flat=True))
        payment, new = payment_record(
            channel=channel, reference=order.reference, account=order.account_id, amount=order.amount,
            received_at=result.paid_at or now, bills=bills, order=order,
            gateway_transaction=result.gateway_transaction[:64], now=now,
        )  # fmt: skip
        if not new:
            return Outcome.ALREADY_CONFIRMED, order
        PaymentOrder.objects.filter(pk=order.pk).update(
            status=PaymentOrder.Status.PAID, settled_at=now, result_code=result.code[:16],
            gateway_transaction=result.gateway_transaction[:64],
        )  # fmt: skip
        _receipt_notify(payment=payment, now=now)
    return Outcome.CONFIRMED, order


def _receipt_notify(*, payment: Payment, now: dt.datetime) -> None:
    """Send the receipt on the account's channels (topic payments), in the payment's transaction."""
    channel = Channel(payment.channel)
    with translation.override("en"):
        channel_en = str(channel.label)
    with translation.override("fr"):
        channel_fr = str(channel.label)
    with translation.override("vi"):
        channel_vi = str(channel.label)
    context = {
        "amount": {"vnd": payment.amount}, "receipt": payment.receipt_number,
        "paid_at": {"datetime": payment.received_at.isoformat()},
        "channel": {"vi": channel_vi, "en": channel_en, "fr": channel_fr},
    }  # fmt: skip
    notify(topic=Topic.PAYMENTS, recipients=[payment.account_id], template="payment_receipt", context=context,
           key=f"payment_receipt:{payment.pk}", now=now)  # fmt: skip


def gateway_callback_log(
    *, channel: str, outcome: str, reference: str = "", order: PaymentOrder | None = None, address: str | None = None,
    payload: dict | None = None, now: dt.datetime,
) -> GatewayCallback:
    """Keep a callback and what we answered (refused ones too: forged signatures, wrong amounts)."""
    return GatewayCallback.objects.create(
        channel=channel, outcome=str(outcome), reference=str(reference)[:64], order=order, address=address,
        payload=payload or {}, received_at=now,
    )  # fmt: skip


def payment_order_query(*, reference: str, now: dt.datetime) -> str:
    """Ask the gateway about a pending order that got no callback: settle it, expire it, or leave it pending.

    Returns the order's status afterwards. A gateway that cannot be reached leaves it pending (asked again later).
    """
    order = PaymentOrder.objects.filter(reference=reference).first()
    if order is None or order.status != PaymentOrder.Status.PENDING:
        return order.status if order else ""
    result = gateway_for(order.gateway).query(reference=order.reference, created_at=order.created_at, now=now)
    if result.succeeded:
        payment_order_settle(channel=order.gateway, result=result, now=now)
    elif result.found and not result.pending:  # the gateway says it failed
        payment_order_settle(channel=order.gateway, result=GatewayResult(
            reference=order.reference, amount=order.amount, succeeded=False, code=result.code,
            gateway_transaction=result.gateway_transaction), now=now)  # fmt: skip
    elif now >= order.expires_at:  # not paid, and no longer payable (a late success callback still records it)
        PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.PENDING).update(
            status=PaymentOrder.Status.EXPIRED, settled_at=now, result_code=result.code[:16]
        )
    return PaymentOrder.objects.values_list("status", flat=True).get(pk=order.pk)
