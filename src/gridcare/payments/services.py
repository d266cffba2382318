"""Writes of the payments ledger: record a payment once, allocate it, refund or reverse it.

Each function runs in one transaction. A payment is keyed by (channel, reference), a unique constraint: recording
the same one again returns the stored payment and changes nothing. Allocation applies what an account's payments
hold to its owed bills, oldest due first (bills the payer named first); the database triggers of
`ledger_triggers` refuse any allocation beyond a payment or a bill, whoever writes it.
"""

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import translation

from gridcare.billing.models import Bill
from gridcare.core.bulk import insert_once
from gridcare.customers.models import Account
from gridcare.notifications.models import Topic
from gridcare.notifications.services import notify
from gridcare.payments import selectors
from gridcare.payments.gateways import CallbackInvalid, GatewayError, GatewayResult, gateway_for
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

logger = logging.getLogger("gridcare.payments")


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


# The allocator's reads in one round trip, plain SQL (no ORM compilation on the callback path): what still sits
# on bills no longer owed (released first), what each payment holds, and what each owed bill has left to pay.
# Table and column names are constants.
_OWED_SQL = "kind = 'invoice' AND status = 'issued'"
_LEDGER_SQL = f"""
SELECT 's', a.payment_id, a.bill_id, SUM(a.amount), CAST(NULL AS timestamptz), CAST(NULL AS date), CAST(NULL AS date)
  FROM payments_allocation a JOIN payments_payment p ON p.id = a.payment_id
 WHERE p.account_id = %s
   AND a.bill_id NOT IN (SELECT id FROM billing_bill WHERE account_id = %s AND {_OWED_SQL})
 GROUP BY a.payment_id, a.bill_id HAVING SUM(a.amount) > 0
UNION ALL
SELECT 'p', p.id, NULL,
       p.amount - COALESCE((SELECT SUM(u.amount) FROM payments_allocation u WHERE u.payment_id = p.id), 0)
                - COALESCE((SELECT SUM(r.amount) FROM payments_paymentreversal r WHERE r.payment_id = p.id), 0),
       p.received_at, NULL, NULL
  FROM payments_payment p WHERE p.account_id = %s
UNION ALL
SELECT 'b', b.id, NULL, b.total - COALESCE((SELECT SUM(u.amount) FROM payments_allocation u WHERE u.bill_id = b.id), 0),
       NULL, b.due_date, b.period
  FROM billing_bill b WHERE b.account_id = %s AND {_OWED_SQL}
"""  # noqa: S608


def _lock_account(cursor, account_id: int) -> None:
    """One allocator per account at a time (PostgreSQL; SQLite has one writer): the sums read next stay true
    until this transaction commits. `NO KEY`: rows that merely refer to the account are not blocked."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT id FROM customers_account WHERE id = %s FOR NO KEY UPDATE", [account_id])


def _allocate_account(*, account_id: int, prefer: list[int], now: dt.datetime) -> int:
    """Allocate what the account's payments hold to its owed bills (released first what sits on bills no longer
    owed), oldest payment to the oldest due bill, `prefer`red bills first; returns the amount allocated."""
    created = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        _lock_account(cursor, account_id)
        cursor.execute(_LEDGER_SQL, [account_id, account_id, account_id, account_id])
        ledger = cursor.fetchall()
        rows: list[tuple] = []
        freed: dict[int, int] = {}
        held_rows, bill_rows = [], []
        for kind, pk, bill_id, amount, received_at, due_date, period in ledger:
            if kind == "s":  # release what sits on a bill cancelled or replaced since it was allocated
                rows.append((pk, bill_id, -int(amount), Allocation.Reason.BILL_CANCELLED.value, created))
                freed[pk] = freed.get(pk, 0) + int(amount)
            elif kind == "p":
                held_rows.append((received_at, pk, int(amount)))
            elif amount > 0:
                bill_rows.append((due_date is None, due_date or "", period, pk, int(amount)))
        # Oldest payment first (received, then id); bills oldest due first (no due date last), then period, id —
        # the order of `selectors.owed_bills`. (SQLite's dates are ISO text: they sort as the dates do.)
        held = [[pk, free + freed.get(pk, 0)] for _at, pk, free in sorted(held_rows)]
        held = [h for h in held if h[1] > 0]
        bills = [(pk, left) for *_key, pk, left in sorted(bill_rows)]
        if prefer:
            rank = {pk: i for i, pk in enumerate(prefer)}
            bills.sort(key=lambda b: rank.get(b[0], len(rank)))  # stable: the others stay oldest due first
        applied = 0
        for bill_id, outstanding in bills:
            while outstanding > 0 and held:
                payment = held[0]
                part = min(outstanding, payment[1])
                rows.append((payment[0], bill_id, part, Allocation.Reason.ALLOCATE.value, created))
                outstanding -= part
                payment[1] -= part
                applied += part
                if payment[1] == 0:
                    held.pop(0)
            if not held:
                break
        if rows:
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
            cursor.execute(f"INSERT INTO payments_allocation (payment_id, bill_id, amount, reason, created_at) "  # noqa: S608
                           f"VALUES {values}", [v for row in rows for v in row])  # fmt: skip
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
            raise PaymentError(
                "exceeds_payment", "Số tiền hoàn lớn hơn số tiền còn lại của khoản thanh toán."
            )
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


_ORDER_SQL = (
    "SELECT o.id, o.account_id, o.amount, o.status, ob.bill_id FROM payments_paymentorder o "
    "LEFT JOIN payments_paymentorderbill ob ON ob.order_id = o.id WHERE o.reference = %s AND o.gateway = %s "
    "ORDER BY ob.id"
)
_ORDER_END_SQL = (
    "UPDATE payments_paymentorder SET status = %s, settled_at = %s, result_code = %s, "
    "gateway_transaction = %s WHERE id = %s"
)
_ORDER_FIELDS = ["id", "reference", "gateway", "account_id", "amount", "status"]


def _order_with_bills(*, reference: str, channel: str) -> tuple[PaymentOrder | None, list[int]]:
    """The order (its id, account, amount and status loaded; the rest deferred) and its bills, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_ORDER_SQL, [reference, channel])
        rows = cursor.fetchall()
    if not rows:
        return None, []
    pk, account_id, amount, status, _bill = rows[0]
    order = PaymentOrder.from_db(
        connection.alias, _ORDER_FIELDS, [pk, reference, channel, account_id, amount, status]
    )
    return order, [r[4] for r in rows if r[4] is not None]


def _order_end(*, order: PaymentOrder, status: str, now: dt.datetime, result: GatewayResult,
               only_pending: bool) -> bool:  # fmt: skip
    """Mark the order paid or failed (a failure only ends a pending order); whether a row changed."""
    with connection.cursor() as cursor:
        cursor.execute(
            _ORDER_END_SQL + (" AND status = %s" if only_pending else ""),
            [status, connection.ops.adapt_datetimefield_value(now), result.code[:16], result.gateway_transaction[:64],
             order.pk, *([PaymentOrder.Status.PENDING.value] if only_pending else [])],
        )  # fmt: skip
        return cursor.rowcount > 0


def payment_order_settle(*, channel: str, result: GatewayResult, now: dt.datetime,
                         log: dict | None = None) -> tuple[Outcome, PaymentOrder | None]:  # fmt: skip
    """Apply what a gateway reports (a verified callback or a query's answer) to our order, once.

    VNPAY's order of checks: the order exists, the amount is the order's, then it is new. A success records the
    payment (keyed by our reference, so a replay finds it and changes nothing) and marks the order paid even if
    it had expired or failed before (a late callback: the money did arrive); a failure only ends a pending order.
    `log` (`{"address", "payload"}`, a callback's) keeps the callback and the outcome in `GatewayCallback`, in the
    same transaction as what it settled.
    """
    order, bills = _order_with_bills(reference=result.reference, channel=channel)
    if order is None or result.amount != order.amount:
        outcome = Outcome.NOT_FOUND if order is None else Outcome.INVALID_AMOUNT
        if log is not None:
            gateway_callback_log(
                channel=channel, outcome=outcome, reference=result.reference, order=order, now=now, **log
            )
        return outcome, order
    with transaction.atomic():
        if not result.succeeded:
            ended = _order_end(
                order=order, status=PaymentOrder.Status.FAILED, now=now, result=result, only_pending=True
            )
            outcome = Outcome.FAILED if ended else Outcome.ALREADY_CONFIRMED
        else:
            payment, new = payment_record(
                channel=channel, reference=order.reference, account=order.account_id, amount=order.amount,
                received_at=result.paid_at or now, bills=bills, order=order,
                gateway_transaction=result.gateway_transaction[:64], now=now,
            )  # fmt: skip
            outcome = Outcome.CONFIRMED if new else Outcome.ALREADY_CONFIRMED
            if new:
                _order_end(
                    order=order, status=PaymentOrder.Status.PAID, now=now, result=result, only_pending=False
                )
                _receipt_notify(payment=payment, now=now)
        if log is not None:
            gateway_callback_log(
                channel=channel, outcome=outcome, reference=result.reference, order=order, now=now, **log
            )
    return outcome, order


def gateway_callback_settle(*, channel: str, data: dict, address: str | None, now: dt.datetime) -> Outcome:
    """Verify one gateway callback, settle its order and keep it (`GatewayCallback`), whatever it was.

    A forged signature, a wrong amount and an unknown order are refused and logged (warning); anything that
    fails on the way answers ERROR (the gateway calls again) and nothing of it is kept but the log line.
    """
    reference, order = str(data.get("vnp_TxnRef", "")), None
    log = {"address": address, "payload": data}
    try:
        try:
            result = gateway_for(channel).verify_callback(data)
        except CallbackInvalid:
            outcome = Outcome.INVALID_SIGNATURE
            gateway_callback_log(channel=channel, outcome=outcome, reference=reference, now=now, **log)
        else:
            reference = result.reference
            outcome, order = payment_order_settle(channel=channel, result=result, now=now, log=log)
    except Exception:
        logger.exception("payment callback failed (%s %s)", channel, reference)
        outcome = Outcome.ERROR
        try:
            gateway_callback_log(channel=channel, outcome=outcome, reference=reference, now=now, **log)
        except Exception:  # the answer matters more than the log line
            logger.exception("payment callback not logged (%s %s)", channel, reference)
    if outcome in (Outcome.INVALID_SIGNATURE, Outcome.INVALID_AMOUNT, Outcome.NOT_FOUND):
        logger.warning("payment callback refused: %s %s %s from %s", channel, outcome, reference, address)
    return outcome


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
    *,
    channel: str,
    outcome: str,
    reference: str = "",
    order: PaymentOrder | None = None,
    address: str | None = None,
    payload: dict | None = None,
    now: dt.datetime,
) -> GatewayCallback:
    """Keep a callback and what we answered (refused ones too: forged signatures, wrong amounts)."""
    entry = GatewayCallback(channel=channel, outcome=str(outcome), reference=str(reference)[:64], order=order,
                            address=address, payload=payload or {}, received_at=now)  # fmt: skip
    insert_once(entry)  # one INSERT … RETURNING (the table has no unique key: it always inserts)
    return entry


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
    elif (
        now >= order.expires_at
    ):  # not paid, and no longer payable (a late success callback still records it)
        PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.PENDING).update(
            status=PaymentOrder.Status.EXPIRED, settled_at=now, result_code=result.code[:16]
        )
    return PaymentOrder.objects.values_list("status", flat=True).get(pk=order.pk)
