"""ZaloPay v2: `/v2/create` (mac with key1), the callback (mac of `data` with key2), `/v2/query` (key1).

create mac = HMAC-SHA256(key1, app_id|app_trans_id|app_user|amount|app_time|embed_data|item); the callback is
`{"data": "<json>", "mac": HMAC-SHA256(key2, data), "type": 1}` and comes only for a paid order; query mac =
HMAC-SHA256(key1, app_id|app_trans_id|key1), answered `return_code` 1 paid, 2 failed, 3 processing.
"""

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import httpx
from django.conf import settings

from gridcare.payments.gateways.base import (
    CallbackInvalid,
    GatewayError,
    GatewayResult,
    PaymentRequest,
    RefundRequest,
    RefundResult,
    hmac_hex,
    same,
    sha256,
)  # fmt: skip


def create_mac(fields: Mapping[str, Any], key1: str) -> str:
    keys = ("app_id", "app_trans_id", "app_user", "amount", "app_time", "embed_data", "item")
    return hmac_hex(key1, "|".join(str(fields[k]) for k in keys), sha256)


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _from_ms(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _whole(value: Any) -> int:
    try:
        amount = int(str(value))
    except ValueError:
        return -1
    return amount if amount > 0 else -1


class ZalopayGateway:
    channel = "zalopay"

    def __init__(self, *, app_id: str, key1: str, key2: str, create_url: str, query_url: str, callback_url: str,
                 timeout: float = 10.0):  # fmt: skip
        self.app_id, self.key1, self.key2 = str(app_id), key1, key2
        self.create_url, self.query_url, self.callback_url, self.timeout = (
            create_url,
            query_url,
            callback_url,
            timeout,
        )

    @classmethod
    def from_settings(cls) -> "ZalopayGateway":
        return cls(app_id=settings.GRIDCARE_ZALOPAY_APP_ID, key1=settings.GRIDCARE_ZALOPAY_KEY1,
                   key2=settings.GRIDCARE_ZALOPAY_KEY2, create_url=settings.GRIDCARE_ZALOPAY_CREATE_URL,
                   query_url=settings.GRIDCARE_ZALOPAY_QUERY_URL,
                   callback_url=f"{settings.GRIDCARE_PAYMENTS_SITE_URL}/payments/zalopay/callback/")  # fmt: skip

    def _post(self, url: str, form: dict) -> dict:
        try:
            return httpx.post(url, data=form, timeout=self.timeout).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise GatewayError("gateway_unreachable", f"Không kết nối được ZaloPay: {exc}") from exc

    def payment_url(self, *, request: PaymentRequest) -> str:
        form = {
            "app_id": self.app_id, "app_trans_id": request.reference, "app_user": request.account_code,
            "amount": str(request.amount), "app_time": str(_ms(request.created_at)),
            "embed_data": json.dumps({"redirecturl": request.return_url}, separators=(",", ":")),
            "item": json.dumps([{"bill": n, "amount": a} for n, a in request.items], separators=(",", ":")),
            "description": request.description, "bank_code": "", "callback_url": self.callback_url,
            "expire_duration_seconds": str(max(300, int((request.expires_at - request.created_at).total_seconds()))),
        }  # fmt: skip
        form["mac"] = create_mac(form, self.key1)
        answer = self._post(self.create_url, form)
        if answer.get("return_code") != 1 or not answer.get("order_url"):
            raise GatewayError(
                "gateway_refused", f"ZaloPay từ chối tạo đơn: {answer.get('return_message', '')}."
            )
        return str(answer["order_url"])

    def verify_callback(self, data: Mapping[str, Any]) -> GatewayResult:
        text, mac = data.get("data"), data.get("mac")
        if (
            not isinstance(text, str)
            or not isinstance(mac, str)
            or not same(mac, hmac_hex(self.key2, text, sha256))
        ):
            raise CallbackInvalid("zalopay mac")
        try:
            fields = json.loads(text)
        except ValueError as exc:
            raise CallbackInvalid("zalopay data") from exc
        if not isinstance(fields, dict) or str(fields.get("app_id")) != self.app_id:
            raise CallbackInvalid("zalopay app_id")
        return GatewayResult(
            reference=str(fields.get("app_trans_id", "")), amount=_whole(fields.get("amount")), succeeded=True,
            gateway_transaction=str(fields.get("zp_trans_id", "")), code="1", paid_at=_from_ms(fields.get("server_time")),
        )  # fmt: skip

    def query(self, *, reference: str, created_at: dt.datetime, now: dt.datetime) -> GatewayResult:
        form = {"app_id": self.app_id, "app_trans_id": reference}
        form["mac"] = hmac_hex(self.key1, f"{self.app_id}|{reference}|{self.key1}", sha256)
        answer = self._post(self.query_url, form)
        code = answer.get("return_code")
        if code == 1:
            return GatewayResult(reference=reference, amount=_whole(answer.get("amount")), succeeded=True,
                                 gateway_transaction=str(answer.get("zp_trans_id", "")), code="1",
                                 paid_at=_from_ms(answer.get("server_time")))  # fmt: skip
        if code == 3 or answer.get("is_processing"):
            return GatewayResult(reference=reference, amount=0, succeeded=False, code="3", pending=True)
        if code == 2:
            return GatewayResult(reference=reference, amount=0, succeeded=False, code="2",
                                 found=answer.get("sub_return_code") != -54)  # fmt: skip
        raise GatewayError("gateway_refused", f"ZaloPay trả lời mã {code}.")

    # --- refunds and the daily list ---------------------------------------------------------------------------

    def refund(self, *, request: RefundRequest) -> RefundResult:
        """`POST /v2/refund` with mac = HMAC-SHA256(key1, app_id|zp_trans_id|amount|description|timestamp).

        ZaloPay answers `return_code` 1 (refunded), 3 (processing: ask `/v2/query_refund` later) or 2 (refused).
        Its answers carry no signature (the protocol trusts TLS to ZaloPay's host), so a "processing" answer is
        confirmed only by a query, and an answer for another refund is refused.
        """
        timestamp = str(_ms(request.now))
        description = f"Hoan tien {request.order_reference}"[:100]
        form = {"app_id": self.app_id, "m_refund_id": request.reference, "zp_trans_id": request.gateway_transaction,
                "amount": str(request.amount), "timestamp": timestamp, "description": description}  # fmt: skip
        form["mac"] = hmac_hex(self.key1, "|".join((self.app_id, request.gateway_transaction, str(request.amount),
                                                    description, timestamp)), sha256)  # fmt: skip
        return self._refund_answer(self._post(settings.GRIDCARE_ZALOPAY_REFUND_URL, form), request=request)

    def refund_query(self, *, request: RefundRequest) -> RefundResult:
        """`POST /v2/query_refund` with mac = HMAC-SHA256(key1, app_id|m_refund_id|timestamp)."""
        timestamp = str(_ms(request.now))
        form = {"app_id": self.app_id, "m_refund_id": request.reference, "timestamp": timestamp}
        form["mac"] = hmac_hex(self.key1, f"{self.app_id}|{request.reference}|{timestamp}", sha256)
        return self._refund_answer(
            self._post(settings.GRIDCARE_ZALOPAY_QUERY_REFUND_URL, form), request=request
        )

    def _refund_answer(self, answer: dict, *, request: RefundRequest) -> RefundResult:
        if not isinstance(answer, dict):
            raise GatewayError("gateway_refused", "ZaloPay trả lời không đọc được.")
        echoed = answer.get("m_refund_id")
        if echoed is not None and str(echoed) != request.reference:
            raise GatewayError(
                "gateway_mismatch", "Câu trả lời hoàn tiền của ZaloPay không phải của yêu cầu này."
            )
        code, message = answer.get("return_code"), str(answer.get("return_message", ""))[:300]
        sub = str(answer.get("sub_return_code", ""))
        if code == 1:
            return RefundResult(
                status="done", code="1", message=message, gateway_reference=str(answer.get("refund_id", ""))
            )
        if code == 3:
            return RefundResult(
                status="pending",
                code="3",
                message=message,
                gateway_reference=str(answer.get("refund_id", "")),
            )
        if code == 2:
            return RefundResult(status="failed", code=f"2{sub}"[:16], message=message)
        raise GatewayError("gateway_refused", f"ZaloPay trả lời mã {code}.")

    def settlement(self, *, day: dt.date) -> list:
        """The day's paid transactions as ZaloPay counts them (its merchant portal's daily report; the sandbox
        serves it over HTTP, signed with key1)."""
        from gridcare.payments.gateways.vnpay import _signed_list

        return _signed_list(url=settings.GRIDCARE_ZALOPAY_SETTLEMENT_URL, who=self.app_id, day=day, key=self.key1,
                            digest=sha256, timeout=self.timeout, name="ZaloPay")  # fmt: skip
