"""Refunds through the gateways' refund APIs (VNPAY `refund`, ZaloPay `/v2/refund`), asked by staff with a reason.

A refund is pending from the moment it is asked until the gateway confirms it (done: then, and only then, a
`PaymentReversal` takes the money off the ledger and the bills it paid are owed again) or refuses it (failed).
Idempotent: one refund per (payment, request key) — the staff form's key — so a double click, a retry or a
replayed answer changes nothing; a forged or mismatched answer leaves the refund pending and is logged.
Every row is audited by the database (`PaymentsConfig.audited_models`).
"""

import datetime as dt
import logging
import secrets

from django.db import transaction
from django.db.models import Sum

from gridcare.customers.models import Account
from gridcare.org import policy
from gridcare.payments import selectors
from gridcare.payments.gateways import GatewayError, gateway_for
from gridcare.payments.gateways.base import VIETNAM, RefundRequest, RefundResult
from gridcare.payments.models import Channel, Payment, PaymentReversal, Refund
from gridcare.payments.services import PaymentError, payment_reverse

logger = logging.getLogger("gridcare.payments")
GATEWAYS = (Channel.VNPAY, Channel.ZALOPAY)


def _reference(*, channel: str, now: dt.datetime) -> str:
    """Our refund request id: ZaloPay wants `yymmdd_appid_xxx`, VNPAY letters and digits (vnp_RequestId ≤ 32)."""
    from django.conf import settings

    day = now.astimezone(VIETNAM).strftime("%y%m%d")
    token = secrets.token_hex(6).upper()
    return (
        f"{day}_{settings.GRIDCARE_ZALOPAY_APP_ID}_{token}"
        if channel == Channel.ZALOPAY
        else f"RF{day}{token}"
    )


def refundable_amount(*, payment: Payment) -> int:
    """What can still be refunded: the payment less its refunds and reversals, and less refunds still pending."""
    pending = (
        Refund.objects.filter(payment=payment, status=Refund.Status.PENDING).aggregate(s=Sum("amount"))["s"]
        or 0
    )
    return payment.amount - selectors.payment_reversed_amount(payment=payment) - pending


def refund_request(
    *, payment: Payment, amount: int, reason: str, by, now: dt.datetime, request_key: str
) -> Refund:
    """Ask the payment's gateway to give `amount` back (staff, `payments.refund` on the account's unit).

    Returns the refund: done, pending (the gateway is processing it, or could not be asked: asked again later) or
    failed. The same `request_key` again returns the same refund and asks nothing.
    """
    account_unit = Account.objects.values_list("unit_id", flat=True).get(pk=payment.account_id)
    policy.require(user=by, action="payments.refund", unit_id=account_unit)
    if payment.channel not in GATEWAYS or not payment.gateway_transaction:
        raise PaymentError("refund_not_by_gateway", "Khoản này không thanh toán qua VNPAY hay ZaloPay: hãy hoàn tiền "
                           "bằng chuyển khoản và ghi nhận huỷ thanh toán.")  # fmt: skip
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError("refund_reason_missing", "Hãy ghi lý do hoàn tiền.")
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        raise PaymentError("invalid_amount", "Số tiền hoàn phải là số nguyên đồng.") from None
    if amount <= 0:
        raise PaymentError("invalid_amount", "Số tiền hoàn phải lớn hơn 0.")
    key = (request_key or "").strip()[:64]
    if not key:
        raise PaymentError("refund_key_missing", "Thiếu mã yêu cầu; hãy mở lại trang hoàn tiền.")
    with transaction.atomic():
        Account.objects.select_for_update(no_key=True).filter(pk=payment.account_id).values_list("pk").first()
        existing = Refund.objects.filter(payment=payment, request_key=key).first()
        if existing is not None:
            return existing
        if amount > refundable_amount(payment=payment):
            raise PaymentError(
                "exceeds_payment", "Số tiền hoàn lớn hơn số tiền còn có thể hoàn của khoản thanh toán."
            )
        refund = Refund.objects.create(
            payment=payment, account_id=payment.account_id, channel=payment.channel, amount=amount, reason=reason[:300],
            request_key=key, reference=_reference(channel=payment.channel, now=now), created_at=now,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )  # fmt: skip
    refund_ask(refund=refund, now=now)
    refund.refresh_from_db()
    if refund.status == Refund.Status.PENDING:
        transaction.on_commit(lambda: _ask_later(refund.pk, now))
    return refund


def _ask_later(refund_id: int, now: dt.datetime) -> None:
    from gridcare.payments.tasks import refund_query

    refund_query.using(run_after=now + dt.timedelta(minutes=10)).enqueue(refund_id)


def _gateway_request(refund: Refund, *, now: dt.datetime) -> RefundRequest:
    payment = refund.payment
    order = payment.order
    user = refund.created_by
    return RefundRequest(
        reference=refund.reference, order_reference=payment.reference, gateway_transaction=payment.gateway_transaction,
        amount=refund.amount, full=refund.amount == payment.amount, paid_at=order.created_at if order else payment.received_at,
        reason=refund.reason, created_by=getattr(user, "username", "") or "gridcare", now=now,
    )  # fmt: skip


def refund_ask(*, refund: Refund, now: dt.datetime, query: bool = False) -> str:
    """Ask the gateway (the refund itself, or `query` its outcome) and apply the answer; returns the refund's status."""
    refund = Refund.objects.select_related("payment__order", "created_by").get(pk=refund.pk)
    if refund.status != Refund.Status.PENDING:
        return refund.status
    adapter = gateway_for(refund.channel)
    request = _gateway_request(refund, now=now)
    try:
        result = adapter.refund_query(request=request) if query else adapter.refund(request=request)
    except GatewayError as exc:
        logger.warning("refund %s: %s (%s)", refund.reference, exc.message, exc.code)
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            result_code=exc.code[:16], result_message=exc.message[:300], attempts=refund.attempts + 1
        )
        return Refund.Status.PENDING
    return refund_settle(refund=refund, result=result, now=now)


def refund_settle(*, refund: Refund, result: RefundResult, now: dt.datetime) -> str:
    """Apply the gateway's verified answer once: done reverses the payment in the ledger, failed ends the refund."""
    with transaction.atomic():
        current = Refund.objects.select_for_update().select_related("payment").get(pk=refund.pk)
        if current.status != Refund.Status.PENDING:  # a replayed answer: already applied
            return current.status
        fields = {
            "result_code": result.code[:16],
            "result_message": result.message[:300],
            "attempts": current.attempts + 1,
        }
        if result.gateway_reference:
            fields["gateway_reference"] = result.gateway_reference[:64]
        if result.status == "done":
            try:
                with transaction.atomic():
                    reversal, _new = payment_reverse(
                        payment=current.payment, kind=PaymentReversal.Kind.REFUND, amount=current.amount,
                        reference=f"refund:{current.reference}", reason=current.reason, now=now, user=current.created_by,
                    )  # fmt: skip
            except PaymentError as exc:  # the payment was reversed otherwise meanwhile: staff must look at it
                logger.warning("refund %s confirmed but not booked: %s", current.reference, exc.message)
                fields.update(result_message=exc.message[:300])
                Refund.objects.filter(pk=current.pk).update(**fields)
                return Refund.Status.PENDING
            fields.update(status=Refund.Status.DONE, reversal=reversal, settled_at=now)
        elif result.status == "failed":
            fields.update(status=Refund.Status.FAILED, settled_at=now)
        Refund.objects.filter(pk=current.pk).update(**fields)
        return fields.get("status", Refund.Status.PENDING)


def refunds_pending(*, older_than: dt.datetime):
    """Refunds still pending that were asked before `older_than` (to be asked about again)."""
    return Refund.objects.filter(status=Refund.Status.PENDING, created_at__lt=older_than).order_by("pk")
