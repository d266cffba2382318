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
    RefundRequest,
    RefundResult,
    SettlementRow,
    canonical_rows,
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

    def __init__(
        self, *, tmn_code: str, hash_secret: str, pay_url: str, query_url: str, timeout: float = 10.0
    ):
        self.tmn_code, self.hash_secret, self.pay_url, self.query_url = (
            tmn_code,
            hash_secret,
            pay_url,
            query_url,
        )
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
        if (
            not given
            or not same(given, sign(data, self.hash_secret))
            or data.get("vnp_TmnCode") != self.tmn_code
        ):
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
        if not same(
            str(answer.get("vnp_SecureHash", "")), pipe_sign(answer, _ANSWER_FIELDS, self.hash_secret)
        ):
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

    # --- refunds and the daily list ---------------------------------------------------------------------------

    def refund(self, *, request: RefundRequest) -> RefundResult:
        """`refund` on the merchant web API: signed over the `|`-joined request fields; the answer is checked too.

        A forged answer (bad checksum) or one about another transaction or amount (a replayed answer) raises
        `GatewayError`: the refund stays pending and nothing reaches the ledger. VNPAY answers synchronously.
        """
        body = {
            "vnp_RequestId": request.reference, "vnp_Version": VERSION, "vnp_Command": "refund",
            "vnp_TmnCode": self.tmn_code, "vnp_TransactionType": "02" if request.full else "03",
            "vnp_TxnRef": request.order_reference, "vnp_Amount": str(request.amount * 100),
            "vnp_TransactionNo": request.gateway_transaction, "vnp_TransactionDate": local_stamp(request.paid_at),
            "vnp_CreateBy": request.created_by[:64] or "gridcare", "vnp_CreateDate": local_stamp(request.now),
            "vnp_IpAddr": "127.0.0.1", "vnp_OrderInfo": f"Hoan tien {request.order_reference}"[:255],
        }  # fmt: skip
        body["vnp_SecureHash"] = pipe_sign(body, _REFUND_FIELDS, self.hash_secret)
        try:
            answer = httpx.post(self.query_url, json=body, timeout=self.timeout).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise GatewayError("gateway_unreachable", f"Không hỏi được VNPAY: {exc}") from exc
        if not isinstance(answer, dict) or not same(str(answer.get("vnp_SecureHash", "")),
                                                    pipe_sign(answer, _REFUND_ANSWER_FIELDS, self.hash_secret)):  # fmt: skip
            raise GatewayError("gateway_bad_signature", "Câu trả lời hoàn tiền của VNPAY sai chữ ký.")
        if str(answer.get("vnp_TxnRef", "")) != request.order_reference or (
            str(answer.get("vnp_ResponseCode")) == SUCCESS
            and _amount(answer.get("vnp_Amount")) != request.amount
        ):
            raise GatewayError(
                "gateway_mismatch", "Câu trả lời hoàn tiền của VNPAY không phải của yêu cầu này."
            )
        code = str(answer.get("vnp_ResponseCode", ""))
        message = str(answer.get("vnp_Message", ""))[:300]
        if code == SUCCESS:
            return RefundResult(status="done", code=code, message=message,
                                gateway_reference=str(answer.get("vnp_TransactionNo", "")))  # fmt: skip
        if code == "94":  # the same request again within VNPAY's window: still being handled
            return RefundResult(status="pending", code=code, message=message)
        if code in ("99",):
            raise GatewayError("gateway_refused", f"VNPAY trả lời mã {code}.")
        return RefundResult(status="failed", code=code, message=message)

    def refund_query(self, *, request: RefundRequest) -> RefundResult:
        """VNPAY has no refund query: the same refund request again (same vnp_RequestId) gives its answer."""
        return self.refund(request=request)

    def settlement(self, *, day: dt.date) -> list[SettlementRow]:
        """The day's paid transactions as VNPAY counts them (`settlement_url`, signed; see docs/payments.md).

        VNPAY itself publishes the daily reconciliation file on its merchant portal (and by SFTP on request);
        the demo's sandbox serves the same content over HTTP, signed with the hash secret.
        """
        return _signed_list(url=settings.GRIDCARE_VNPAY_SETTLEMENT_URL, who=self.tmn_code, day=day,
                            key=self.hash_secret, digest=sha512, timeout=self.timeout, name="VNPAY")  # fmt: skip


_REFUND_FIELDS = ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TransactionType", "vnp_TxnRef",
                  "vnp_Amount", "vnp_TransactionNo", "vnp_TransactionDate", "vnp_CreateBy", "vnp_CreateDate",
                  "vnp_IpAddr", "vnp_OrderInfo")  # fmt: skip
_REFUND_ANSWER_FIELDS = ("vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode",
                         "vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo",
                         "vnp_TransactionType", "vnp_TransactionStatus", "vnp_OrderInfo")  # fmt: skip


def _signed_list(
    *, url: str, who: str, day: dt.date, key: str, digest, timeout: float, name: str
) -> list[SettlementRow]:
    """Fetch a daily list `{"date", "rows": [{"reference", "amount", "transaction"}], "signature"}` and check it."""
    stamp = f"{day:%Y%m%d}"
    try:
        answer = httpx.get(url, params={"merchant": who, "date": stamp, "signature": hmac_hex(key, f"{who}|{stamp}", digest)},
                           timeout=timeout).json()  # fmt: skip
    except (httpx.HTTPError, ValueError) as exc:
        raise GatewayError(
            "gateway_unreachable", f"Không lấy được danh sách giao dịch của {name}: {exc}"
        ) from exc
    rows = answer.get("rows") if isinstance(answer, dict) else None
    if (
        not isinstance(rows, list)
        or answer.get("date") != stamp
        or not same(
            str(answer.get("signature", "")), hmac_hex(key, f"{stamp}\n{canonical_rows(rows)}", digest)
        )
    ):
        raise GatewayError(
            "gateway_bad_signature", f"Danh sách giao dịch của {name} sai chữ ký hoặc sai ngày."
        )
    result = []
    for row in rows:
        try:
            result.append(SettlementRow(reference=str(row["reference"]), amount=int(row["amount"]),
                                        gateway_transaction=str(row.get("transaction", ""))))  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise GatewayError(
                "gateway_bad_list", f"Danh sách giao dịch của {name} có dòng không đọc được."
            ) from exc
    return result
