"""A payment paid through a sandbox gateway, as its callback would have recorded it (for refund/reconciliation tests)."""

import datetime as dt
import itertools

from gridcare.payments import services
from gridcare.payments.gateways.base import VIETNAM
from gridcare.payments.models import PaymentOrder
from gridcare.payments.sandbox import SandboxTransaction

_seq = itertools.count(1)


def paid_through(sandbox, acct, *, gateway: str, amount: int, paid_at: dt.datetime, record: bool = True):
    """The sandbox knows the transaction as paid; our ledger has its order (and its payment when `record`)."""
    n = next(_seq)
    reference = f"GC251120T{n:05d}" if gateway == "vnpay" else f"251120_T{n:05d}"
    number = str(15_000_000 + n)
    order = PaymentOrder.objects.create(reference=reference, gateway=gateway, account=acct, amount=amount,
                                        created_at=paid_at - dt.timedelta(minutes=2),
                                        expires_at=paid_at + dt.timedelta(minutes=13))  # fmt: skip
    sandbox.transactions[reference] = SandboxTransaction(
        gateway=gateway, reference=reference, amount=amount, return_url="", status="paid", transaction_no=number,
        paid_at=paid_at.astimezone(VIETNAM).replace(microsecond=0),
    )  # fmt: skip
    payment = None
    if record:
        payment, _new = services.payment_record(channel=gateway, reference=reference, account=acct, amount=amount,
                                                received_at=paid_at, order=order, gateway_transaction=number)  # fmt: skip
        PaymentOrder.objects.filter(pk=order.pk).update(
            status="paid", settled_at=paid_at, gateway_transaction=number
        )
    return order, payment
