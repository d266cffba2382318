"""VNPAY 2.1.0: the signed payment URL, the IPN's checksum, and `querydr`.

Signature (VNPAY's own samples): drop empty values, sort the `vnp_*` keys, `quote_plus` each value, join
`key=value` with `&`, HMAC-SHA512 with the merchant's hash secret, hex. An incoming request is verified the same
way without `vnp_SecureHash` and `vnp_SecureHashType`. The query API (`merchant_webapi/api/transaction`) takes JSON
signed over a `|`-joined list of fields, and answers the same way.
"""

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

import httpx
from django.conf import settings

from gridcare.payments.gateways.base import (
    VIETNAM,
    CallbackInvalid,
    GatewayError,
    GatewayResult,
    PaymentRequest,
    hmac_hex,
    same,
    sha512,
)  # fmt: skip

VERSION = "2.1.0"
SUCCESS = "00"


def canonical(params: Mapping[str, Any]) -> str:
    """The signed text: non-empty `vnp_*` values, keys sorted, each `key=quote_plus(value)`, joined with `&`."""
    items = sorted((k, str(v)) for k, v in params.items() if k.startswith("vnp_") and v not in ("", None)
                   and k not in ("vnp_SecureHash", "vnp_SecureHashType"))  # fmt: skip
    return "&".join(f"{k}={quote_plus(v)}" for k, v in items)


def sign(params: Mapping[str, Any], secret: str) -> str:
    return hmac_hex(secret, canonical(params), sha512)


def local_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")


def parse_stamp(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM)
    except (TypeError, ValueError):
        return None


def _amount(text: Any) -> int:
    """VNPAY sends VND × 100; anything but a whole VND amount is -1 (never equal to an order)."""
    try:
        value = int(str(text))
    except ValueError:
        return -1
    return value // 100 if value % 100 == 0 and value > 0 else -1


_QUERY_FIELDS = ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef", "vnp_TransactionDate",
                 "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo")  # fmt: skip
_ANSWER_FIELDS = ("vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef",
                  "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType",
                  "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode", "vnp_PromotionAmount")  # fmt: skip


def pipe_sign(values: Mapping[str, Any], fields: tuple[str, ...], secret: str) -> str:
    return hmac_hex(secret, "|".join(str(values.get(f, "") or "") for f in fields), sha512)


class VnpayGateway:
    channel = "vnpay"

    def __init__(self, *, tmn_code: str, hash_secret: str, pay_url: str, query_url: str, timeout: float = 10.0):
        self.tmn_code, self.hash_secret, self.pay_url, self.query_url = tmn_code, hash_secret, pay_url, query_url
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> "VnpayGateway":
        return cls(tmn_code=settings.GRIDCARE_VNPAY_TMN_CODE, hash_secret=settings.GRIDCARE_VNPAY_HASH_SECRET,
                   pay_url=settings.GRIDCARE_VNPAY_PAY_URL, query_url=settings.GRIDCARE_VNPAY_QUERY_URL)  # fmt: skip

    def payment_url(self, *, request: PaymentRequest) -> str:
        params = {
            "vnp_Version": VERSION, "vnp_Command": "pay", "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(request.amount * 100), "vnp_CurrCode": "VND", "vnp_TxnRef": request.reference,
            "vnp_OrderInfo": request.description, "vnp_OrderType": "billpayment",
            "vnp_Locale": "vn" if request.language == "vi" else "en", "vnp_ReturnUrl": request.return_url,
            "vnp_IpAddr": request.client_ip or "127.0.0.1", "vnp_CreateDate": local_stamp(request.created_at),
            "vnp_ExpireDate": local_stamp(request.expires_at),
        }  # fmt: skip
        query = canonical(params)
        return f"{self.pay_url}?{query}&vnp_SecureHash={hmac_hex(self.hash_secret, query, sha512)}"

    def verify_callback(self, data: Mapping[str, Any]) -> GatewayResult:
        given = str(data.get("vnp_SecureHash", ""))
        if not given or not same(given, sign(data, self.hash_secret)) or data.get("vnp_TmnCode") != self.tmn_code:
            raise CallbackInvalid("vnpay checksum")
        code, status = str(data.get("vnp_ResponseCode", "")), str(data.get("vnp_TransactionStatus", ""))
        return GatewayResult(
            reference=str(data.get("vnp_TxnRef", "")), amount=_amount(data.get("vnp_Amount")),
            succeeded=code == SUCCESS and status == SUCCESS, gateway_transaction=str(data.get("vnp_TransactionNo", "")),
            code=code, paid_at=parse_stamp(str(data.get("vnp_PayDate", ""))),
        )  # fmt: skip

    def query(self, *, reference: str, created_at: dt.datetime, now: dt.datetime) -> GatewayResult:
        body = {
            "vnp_RequestId": uuid.uuid4().hex[:32], "vnp_Version": VERSION, "vnp_Command": "querydr",
            "vnp_TmnCode": self.tmn_code, "vnp_TxnRef": reference, "vnp_OrderInfo": f"Truy van {reference}",
            "vnp_TransactionDate": local_stamp(created_at), "vnp_CreateDate": local_stamp(now),
            "vnp_IpAddr": "127.0.0.1",
        }  # fmt: skip
        body["vnp_SecureHash"] = pipe_sign(body, _QUERY_FIELDS, self.hash_secret)
        try:
            answer = httpx.post(self.query_url, json=body, timeout=self.timeout).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise GatewayError("gateway_unreachable", f"Không hỏi được VNPAY: {exc}") from exc
        if not same(str(answer.get("vnp_SecureHash", "")), pipe_sign(answer, _ANSWER_FIELDS, self.hash_secret)):
            raise GatewayError("gateway_bad_signature", "Câu trả lời của VNPAY sai chữ ký.")
        code = str(answer.get("vnp_ResponseCode", ""))
        if code == "91":  # the transaction is unknown to VNPAY (the customer never paid)
            return GatewayResult(reference=reference, amount=0, succeeded=False, code=code, found=False)
        if code != SUCCESS:
            raise GatewayError("gateway_refused", f"VNPAY trả lời mã {code}.")
        status = str(answer.get("vnp_TransactionStatus", ""))
        return GatewayResult(
            reference=reference, amount=_amount(answer.get("vnp_Amount")), succeeded=status == SUCCESS,
            gateway_transaction=str(answer.get("vnp_TransactionNo", "")), code=status,
            paid_at=parse_stamp(str(answer.get("vnp_PayDate", ""))), pending=status in ("01", "05"),
        )  # fmt: skip
