"""What every gateway adapter offers, and what it answers."""

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

VIETNAM = dt.timezone(dt.timedelta(hours=7))  # gateways write local time (GMT+7) without a zone


class GatewayError(Exception):
    """The gateway could not be asked (network, refusal); `code` is stable."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


class CallbackInvalid(Exception):
    """A callback whose signature does not verify (forged, or signed with another key)."""


@dataclass(frozen=True)
class GatewayResult:
    """One transaction as the gateway reports it (a callback or a query's answer)."""

    reference: str  # ours: vnp_TxnRef / app_trans_id
    amount: int  # VND (-1 when the gateway's figure is not a whole VND amount)
    succeeded: bool
    gateway_transaction: str = ""  # theirs: vnp_TransactionNo / zp_trans_id
    code: str = ""  # the gateway's result code
    paid_at: dt.datetime | None = None
    pending: bool = False  # (queries) the gateway is still processing it
    found: bool = True  # (queries) the gateway knows this reference


@dataclass(frozen=True)
class PaymentRequest:
    """What an adapter needs to start a payment."""

    reference: str
    amount: int
    description: str
    account_code: str
    created_at: dt.datetime
    expires_at: dt.datetime
    return_url: str
    client_ip: str
    language: str = "vi"
    items: tuple[tuple[str, int], ...] = ()  # (bill number, amount)


class Gateway(Protocol):
    channel: str

    def payment_url(self, *, request: PaymentRequest) -> str:
        """Where to send the customer to pay (VNPAY: a signed URL; ZaloPay: the order_url of /v2/create)."""

    def verify_callback(self, data: Mapping[str, Any]) -> GatewayResult:
        """The transaction a callback reports; raises `CallbackInvalid` when its signature does not verify."""

    def query(self, *, reference: str, created_at: dt.datetime, now: dt.datetime) -> GatewayResult:
        """Ask the gateway about a transaction (no callback came)."""


def hmac_hex(key: str, message: str, digest) -> str:
    return hmac.new(key.encode(), message.encode(), digest).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(str(a).lower().encode(), str(b).lower().encode())


sha256, sha512 = hashlib.sha256, hashlib.sha512


@dataclass(frozen=True)
class RefundRequest:
    """What an adapter needs to ask for a refund of (part of) a paid transaction."""

    reference: str  # ours for this refund: VNPAY vnp_RequestId, ZaloPay m_refund_id
    order_reference: str  # the paid order: vnp_TxnRef / app_trans_id
    gateway_transaction: str  # theirs: vnp_TransactionNo / zp_trans_id
    amount: int  # VND to give back
    full: bool  # the whole payment (VNPAY 02) or part of it (03)
    paid_at: dt.datetime  # the original transaction's time (vnp_TransactionDate)
    reason: str
    created_by: str
    now: dt.datetime


@dataclass(frozen=True)
class RefundResult:
    """The gateway's answer to a refund (or to a refund query): done, pending (processing) or failed."""

    status: str  # "done" / "pending" / "failed"
    code: str = ""
    message: str = ""
    gateway_reference: str = ""


@dataclass(frozen=True)
class SettlementRow:
    """One transaction of a gateway's daily list (what the gateway counts as paid that day)."""

    reference: str  # ours (vnp_TxnRef / app_trans_id)
    amount: int
    gateway_transaction: str = ""


def canonical_rows(rows: list[dict]) -> str:
    """The signed text of a daily list: each row's reference|amount|transaction, in order, joined by newlines."""
    return "\n".join(
        f"{r.get('reference', '')}|{r.get('amount', '')}|{r.get('transaction', '')}" for r in rows
    )
