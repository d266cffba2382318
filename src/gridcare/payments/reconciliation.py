"""The daily reconciliation per channel: the other side's record of a day against the payments we recorded.

- VNPAY and ZaloPay: the gateway's daily list of paid transactions (`adapter.settlement(day=...)`, signed) against
  our payments of that channel received that local day (Asia/Ho_Chi_Minh), keyed by our order reference.
- Bank transfers (VietQR) and counters: the imported bank statements and partner files' lines booked that day
  against the payments of that channel received that day (a line unmatched is money we have not booked; a
  payment no line stands for was recorded some other way).

Each (channel, day) keeps one `ReconciliationRun` (the last) and its `ReconciliationDifference` rows: missing on
our side, missing on theirs, amount differences. Re-running is idempotent: open differences are recomputed,
the ones staff resolved stay resolved. Set-based: a few queries per channel and day, whatever the volume.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.customers.models import Account
from gridcare.org import policy
from gridcare.payments.gateways import GatewayError, GatewayResult, gateway_for
from gridcare.payments.models import (
    Channel,
    Payment,
    PaymentOrder,
    ReconciliationDifference,
    ReconciliationRun,
    StatementImport,
    StatementLine,
)
from gridcare.payments.services import PaymentError, payment_order_settle

logger = logging.getLogger("gridcare.payments")
GATEWAY_CHANNELS = (Channel.VNPAY, Channel.ZALOPAY)
FILE_CHANNELS = {
    Channel.BANK_TRANSFER: StatementImport.Kind.BANK,
    Channel.COUNTER: StatementImport.Kind.PARTNER,
}
Kind = ReconciliationDifference.Kind


@dataclass(frozen=True)
class _Theirs:
    reference: str
    amount: int
    transaction: str = ""
    account_id: int | None = None


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=BUSINESS_TZ)
    return start, start + dt.timedelta(days=1)


def _theirs_gateway(channel: str, day: dt.date) -> tuple[list[_Theirs], str]:
    rows = gateway_for(channel).settlement(day=day)
    return [_Theirs(reference=r.reference, amount=r.amount, transaction=r.gateway_transaction) for r in rows], \
        f"{Channel(channel).label}: {len(rows)}"  # fmt: skip


def _theirs_files(channel: str, day: dt.date) -> tuple[list[_Theirs], dict[str, int]]:
    """Lines of the day's statements/partner files: their reference as our payments carry it (`source:transaction`)."""
    lines = (
        StatementLine.objects.filter(booked_on=day, statement__kind=FILE_CHANNELS[channel])
        .values_list("source", "transaction_id", "amount", "account_id", "payment_id")
        .order_by("pk")
    )
    theirs, linked = [], {}
    for source, transaction_id, amount, account_id, payment_id in lines:
        reference = f"{source}:{transaction_id}"
        theirs.append(_Theirs(reference=reference, amount=amount, account_id=account_id))
        if payment_id:
            linked[reference] = payment_id
    return theirs, linked


def reconcile_day(
    *, day: dt.date, now: dt.datetime, channels: tuple[str, ...] | None = None
) -> list[ReconciliationRun]:
    """Reconcile each channel's `day`; a gateway that cannot be reached is logged and its day left as it was."""
    runs = []
    for channel in channels or (*GATEWAY_CHANNELS, *FILE_CHANNELS):
        try:
            runs.append(_reconcile(channel=channel, day=day, now=now))
        except GatewayError as exc:
            logger.warning("reconciliation %s %s: %s", channel, day, exc.message)
    return runs


def _reconcile(*, channel: str, day: dt.date, now: dt.datetime) -> ReconciliationRun:
    start, end = _day_bounds(day)
    if channel in GATEWAY_CHANNELS:
        theirs, source = _theirs_gateway(channel, day)
    else:
        theirs, _linked = _theirs_files(channel, day)
        source = f"{len(theirs)}"
    refs = [t.reference for t in theirs]
    # Ours: the day's payments of the channel, and any payment of theirs booked on another day (near midnight).
    ours = {
        ref: (amount, account_id, unit_id, txn, start <= received < end)
        for ref, amount, account_id, unit_id, txn, received in Payment.objects.filter(channel=channel)
        .filter(Q(received_at__gte=start, received_at__lt=end) | Q(reference__in=refs))
        .values_list("reference", "amount", "account_id", "account__unit_id", "gateway_transaction", "received_at")
        .order_by("pk")
    }  # fmt: skip
    orders = dict(PaymentOrder.objects.filter(gateway=channel, reference__in=[r for r in refs if r not in ours])
                  .values_list("reference", "account_id"))  # fmt: skip
    wanted_accounts = {*orders.values(), *(t.account_id for t in theirs if t.account_id)}
    units = dict(Account.objects.filter(pk__in=wanted_accounts).values_list("pk", "unit_id"))
    differences, matched, seen = [], 0, set()
    for t in theirs:
        seen.add(t.reference)
        mine = ours.get(t.reference)
        if mine is None:
            account_id = orders.get(t.reference) or t.account_id
            differences.append({"kind": Kind.MISSING_OURS, "reference": t.reference, "gateway_transaction": t.transaction,
                                "their_amount": t.amount, "account_id": account_id, "unit_id": units.get(account_id)})  # fmt: skip
        elif mine[0] != t.amount:
            differences.append({"kind": Kind.AMOUNT, "reference": t.reference, "gateway_transaction": t.transaction or mine[3],
                                "our_amount": mine[0], "their_amount": t.amount, "account_id": mine[1], "unit_id": mine[2]})  # fmt: skip
        else:
            matched += 1
    day_ours = {ref: row for ref, row in ours.items() if ref in seen or row[4]}
    for ref, (amount, account_id, unit_id, txn, _today) in day_ours.items():
        if ref not in seen:
            differences.append({"kind": Kind.MISSING_THEIRS, "reference": ref, "gateway_transaction": txn,
                                "our_amount": amount, "account_id": account_id, "unit_id": unit_id})  # fmt: skip
    with transaction.atomic():
        run, _created = ReconciliationRun.objects.update_or_create(channel=channel, day=day, defaults={
            "ran_at": now, "source": source[:200], "their_count": len(theirs), "their_total": sum(t.amount for t in theirs),
            "our_count": sum(1 for row in day_ours.values() if row[4]),
            "our_total": sum(row[0] for row in day_ours.values() if row[4]), "matched_count": matched,
        })  # fmt: skip
        # Open differences are recomputed; those resolved stay (the unique key keeps them from coming back).
        ReconciliationDifference.objects.filter(run=run, status=ReconciliationDifference.Status.OPEN).delete()
        ReconciliationDifference.objects.bulk_create(
            [ReconciliationDifference(run=run, channel=channel, day=day, **d) for d in differences],
            ignore_conflicts=True,
        )
        run.difference_count = ReconciliationDifference.objects.filter(run=run).count()
        run.save(update_fields=["difference_count"])
    return run


def open_differences(*, user):
    """The open differences a staff member may see (the workday page's figure, the back-office list)."""
    return policy.records(
        ReconciliationDifference.objects.filter(status=ReconciliationDifference.Status.OPEN), user=user
    )


def _require_on(*, difference: ReconciliationDifference, by) -> None:
    """`payments.reconcile`, on a difference within the user's reach (its unit, or company level for no unit)."""
    policy.require(user=by, action="payments.reconcile", unit_id=difference.unit_id)
    if not policy.reach(ReconciliationDifference.objects.filter(pk=difference.pk), user=by).exists():
        raise policy.AccessDenied()


def difference_resolve(
    *, difference: ReconciliationDifference, by, now: dt.datetime, note: str
) -> ReconciliationDifference:
    """Mark a difference as dealt with, saying how (`payments.reconcile` on its unit)."""
    _require_on(difference=difference, by=by)
    note = (note or "").strip()
    if not note:
        raise PaymentError("note_missing", "Hãy ghi đã xử lý chênh lệch này thế nào.")
    ReconciliationDifference.objects.filter(pk=difference.pk, status=ReconciliationDifference.Status.OPEN).update(
        status=ReconciliationDifference.Status.RESOLVED, note=note[:300], resolved_at=now,
        resolved_by=by if getattr(by, "is_authenticated", False) else None,
    )  # fmt: skip
    difference.refresh_from_db()
    return difference


def difference_record_from_gateway(*, difference: ReconciliationDifference, by, now: dt.datetime) -> bool:
    """Money the gateway has and we do not: ask the gateway about the order (querydr / query) and record it if paid.

    Returns whether a payment was recorded; the difference is then resolved. Only for orders we made.
    """
    _require_on(difference=difference, by=by)
    if difference.kind != Kind.MISSING_OURS or difference.channel not in GATEWAY_CHANNELS:
        raise PaymentError(
            "not_a_gateway_payment", "Chỉ hỏi lại cổng được cho giao dịch cổng có mà sổ chưa ghi."
        )
    order = PaymentOrder.objects.filter(reference=difference.reference, gateway=difference.channel).first()
    if order is None:
        raise PaymentError(
            "order_unknown", "Không có lệnh thanh toán nào mang mã này: hãy liên hệ cổng thanh toán."
        )
    result = gateway_for(order.gateway).query(reference=order.reference, created_at=order.created_at, now=now)
    if not result.succeeded:
        return False
    outcome, _order = payment_order_settle(channel=order.gateway, result=GatewayResult(
        reference=order.reference, amount=result.amount, succeeded=True, gateway_transaction=result.gateway_transaction,
        code=result.code, paid_at=result.paid_at), now=now)  # fmt: skip
    if outcome in ("confirmed", "already_confirmed"):
        difference_resolve(
            difference=difference, by=by, now=now, note="Đã hỏi lại cổng và ghi nhận khoản thanh toán."
        )
        return True
    return False


def yesterday(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(BUSINESS_TZ).date() - dt.timedelta(days=1)
