"""Local sandbox gateways that speak VNPAY 2.1.0 and ZaloPay v2, for the demo and the tests (never production).

One threaded HTTP server on 127.0.0.1 plays both gateways:
- VNPAY: `GET /vnpay/paymentv2/vpcpay.html?...` checks the signed URL and shows an approve/decline page; the
  choice sends the signed IPN to our server (server to server, retried while it does not answer 00/02), then
  redirects the browser to `vnp_ReturnUrl` with the same signed parameters. `POST
  /vnpay/merchant_webapi/api/transaction` answers `querydr`.
- ZaloPay: `POST /zalopay/v2/create` checks the key1 mac and answers `order_url`; the page's approve sends the
  key2-signed callback (retried up to 3 times while it does not answer 1/2) and redirects to the embedded
  `redirecturl`; a decline sends no callback (as ZaloPay); `POST /zalopay/v2/query` answers the status.

The page can also send the callback twice, or none (the order is then only found by a status query).
Run it with `gridcare payments-sandbox --port 8010 --site http://127.0.0.1:8000`.
"""

import datetime as dt
import html
import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from gridcare.payments.gateways import vnpay, zalopay
from gridcare.payments.gateways.base import VIETNAM, canonical_rows, hmac_hex, sha256, sha512


def uuid_hex() -> str:
    import uuid

    return uuid.uuid4().hex[:32]


@dataclass
class SandboxTransaction:
    gateway: str
    reference: str
    amount: int
    return_url: str
    callback_url: str = ""
    created: str = ""  # vnp_CreateDate
    status: str = "pending"  # pending / paid / failed
    transaction_no: str = ""
    paid_at: dt.datetime | None = None
    callbacks: list[str] = field(default_factory=list)  # what our server answered each callback


class _Listener(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True


class SandboxGateways:
    """Both sandbox gateways on one port; `start()` in a thread, `stop()` when done."""

    def __init__(self, *, site: str, port: int = 0, host: str = "127.0.0.1", tmn_code: str, hash_secret: str,
                 app_id: str, key1: str, key2: str, ipn_url: str | None = None, retries: int = 3):  # fmt: skip
        self.site = site.rstrip("/")
        self.ipn_url = ipn_url or f"{self.site}/payments/vnpay/ipn/"
        self.tmn_code, self.hash_secret, self.app_id, self.key1, self.key2 = (
            tmn_code,
            hash_secret,
            str(app_id),
            key1,
            key2,
        )
        self.retries = retries
        self.transactions: dict[str, SandboxTransaction] = {}
        # Refunds by our request id (vnp_RequestId / m_refund_id): answered the same way when asked again.
        self.refunds: dict[str, dict] = {}
        # How the next refunds are answered: "approve", "processing" (ZaloPay 3, then done on query), "decline",
        # "forge" (a VNPAY answer signed with another secret), "replay" (the answer of another transaction).
        self.refund_mode = "approve"
        # Extra rows of the daily lists, {(gateway, "YYYYMMDD"): [{"reference", "amount", "transaction"}]}: a
        # transaction the gateway counts that our server never heard of (a reconciliation difference).
        self.settlement_extra: dict[tuple[str, str], list[dict]] = {}
        self.lock = threading.Lock()
        self._numbers = itertools.count(14_000_001)
        self.server = _Listener((host, port), self._handler())
        self.port = self.server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None

    @classmethod
    def from_settings(cls, *, site: str, port: int = 0, **extra) -> "SandboxGateways":
        from django.conf import settings

        return cls(site=site, port=port, tmn_code=settings.GRIDCARE_VNPAY_TMN_CODE,
                   hash_secret=settings.GRIDCARE_VNPAY_HASH_SECRET, app_id=settings.GRIDCARE_ZALOPAY_APP_ID,
                   key1=settings.GRIDCARE_ZALOPAY_KEY1, key2=settings.GRIDCARE_ZALOPAY_KEY2, **extra)  # fmt: skip

    # --- lifecycle ---

    def start(self) -> "SandboxGateways":
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def serve_forever(self) -> None:
        self.server.serve_forever()

    # --- what a customer does on the gateway's page (also called by tests) ---

    def decide(self, reference: str, *, approve: bool, callbacks: int = 1) -> str:
        """Approve or decline a transaction; send `callbacks` callbacks (0, 1 or 2); returns the browser's next URL."""
        with self.lock:
            tx = self.transactions[reference]
            if tx.status == "pending":
                tx.status = "paid" if approve else "failed"
                tx.transaction_no = str(next(self._numbers))
                tx.paid_at = dt.datetime.now(tz=VIETNAM).replace(microsecond=0)
        if tx.gateway == "vnpay":
            params = self._vnpay_result(tx)
            for _ in range(callbacks):
                self._deliver(tx, lambda: httpx.get(self.ipn_url, params=params, timeout=10).json(),
                              done=lambda a: a.get("RspCode") in ("00", "02", "01", "04", "97"))  # fmt: skip
            return f"{tx.return_url}{'&' if '?' in tx.return_url else '?'}{urllib.parse.urlencode(params)}"
        if approve:
            body = self._zalopay_callback(tx)
            for _ in range(callbacks):
                self._deliver(tx, lambda: httpx.post(tx.callback_url, json=body, timeout=10).json(),
                              done=lambda a: a.get("return_code") in (1, 2, -1))  # fmt: skip
        status = "1" if approve else "-49"
        fields = {"appid": self.app_id, "apptransid": tx.reference, "pmcid": "38", "bankcode": "", "amount": str(tx.amount),
                  "discountamount": "0", "status": status}  # fmt: skip
        fields["checksum"] = hmac_hex(self.key2, "|".join(fields[k] for k in ("appid", "apptransid", "pmcid", "bankcode",
                                                                         "amount", "discountamount", "status")), sha256)  # fmt: skip
        return f"{tx.return_url}{'&' if '?' in tx.return_url else '?'}{urllib.parse.urlencode(fields)}"

    def _deliver(self, tx: SandboxTransaction, send, *, done) -> None:
        """Send one callback, retried (as the gateways do) until the merchant gives a final answer."""
        for attempt in range(self.retries):
            try:
                answer = send()
            except (httpx.HTTPError, ValueError):
                answer = {}
            with self.lock:
                tx.callbacks.append(json.dumps(answer))
            if done(answer):
                return
            time.sleep(0.2 * (attempt + 1))

    def _vnpay_result(self, tx: SandboxTransaction) -> dict:
        ok = tx.status == "paid"
        params = {
            "vnp_Amount": str(tx.amount * 100), "vnp_BankCode": "NCB", "vnp_BankTranNo": f"VNP{tx.transaction_no}",
            "vnp_CardType": "ATM", "vnp_OrderInfo": f"Thanh toan {tx.reference}", "vnp_PayDate": tx.paid_at.strftime("%Y%m%d%H%M%S"),
            "vnp_ResponseCode": "00" if ok else "24", "vnp_TmnCode": self.tmn_code,
            "vnp_TransactionNo": tx.transaction_no, "vnp_TransactionStatus": "00" if ok else "02",
            "vnp_TxnRef": tx.reference,
        }  # fmt: skip
        params["vnp_SecureHash"] = vnpay.sign(params, self.hash_secret)
        return params

    def _zalopay_callback(self, tx: SandboxTransaction) -> dict:
        data = json.dumps({
            "app_id": int(self.app_id) if self.app_id.isdigit() else self.app_id, "app_trans_id": tx.reference,
            "app_time": int(time.time() * 1000), "app_user": "", "amount": tx.amount, "embed_data": "{}", "item": "[]",
            "zp_trans_id": int(tx.transaction_no), "server_time": int(tx.paid_at.timestamp() * 1000), "channel": 38,
            "merchant_user_id": "", "user_fee_amount": 0, "discount_amount": 0,
        }, separators=(",", ":"))  # fmt: skip
        return {"data": data, "mac": hmac_hex(self.key2, data, sha256), "type": 1}

    # --- refunds and the daily lists ---

    def _refundable(self, reference: str, amount: int) -> SandboxTransaction | None:
        tx = self.transactions.get(reference)
        if tx is None or tx.status != "paid":
            return None
        refunded = sum(
            r["amount"]
            for r in self.refunds.values()
            if r["reference"] == reference and r["state"] != "failed"
        )
        return tx if refunded + amount <= tx.amount else None

    def _vnpay_refund(self, body: dict) -> dict:
        from gridcare.payments.gateways.vnpay import _REFUND_ANSWER_FIELDS, _REFUND_FIELDS

        if not vnpay.same(
            body.get("vnp_SecureHash", ""), vnpay.pipe_sign(body, _REFUND_FIELDS, self.hash_secret)
        ):
            answer = {
                "vnp_ResponseCode": "97",
                "vnp_Message": "Invalid Checksum",
                "vnp_TxnRef": body.get("vnp_TxnRef", ""),
            }
            answer["vnp_SecureHash"] = vnpay.pipe_sign(answer, _REFUND_ANSWER_FIELDS, self.hash_secret)
            return answer
        request_id, ref = body.get("vnp_RequestId", ""), body.get("vnp_TxnRef", "")
        try:
            amount = int(body.get("vnp_Amount", "0")) // 100
        except ValueError:
            amount = 0
        with self.lock:
            known = self.refunds.get(request_id)
            if known is None:
                tx = self._refundable(ref, amount) if self.refund_mode != "decline" else None
                state = "done" if tx is not None else "failed"
                known = self.refunds[request_id] = {"reference": ref, "amount": amount, "state": state,
                                                    "number": str(next(self._numbers))}  # fmt: skip
        ok = known["state"] == "done"
        answer = {
            "vnp_ResponseId": uuid_hex(), "vnp_Command": "refund", "vnp_ResponseCode": "00" if ok else "95",
            "vnp_Message": "Refund success" if ok else "Giao dich khong thanh cong", "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": ref, "vnp_Amount": str(amount * 100), "vnp_BankCode": "NCB",
            "vnp_PayDate": dt.datetime.now(tz=VIETNAM).strftime("%Y%m%d%H%M%S"), "vnp_TransactionNo": known["number"],
            "vnp_TransactionType": body.get("vnp_TransactionType", "02"), "vnp_TransactionStatus": "05" if ok else "02",
            "vnp_OrderInfo": body.get("vnp_OrderInfo", ""),
        }  # fmt: skip
        if self.refund_mode == "replay":  # a genuine, signed answer — about another transaction
            answer["vnp_TxnRef"] = f"{ref}X"
        secret = self.hash_secret if self.refund_mode != "forge" else "not-the-merchant-secret"
        answer["vnp_SecureHash"] = vnpay.pipe_sign(answer, _REFUND_ANSWER_FIELDS, secret)
        return answer

    def _zalopay_refund(self, form: dict) -> dict:
        keys = ("app_id", "zp_trans_id", "amount", "description", "timestamp")
        mac = hmac_hex(self.key1, "|".join(str(form.get(k, "")) for k in keys), sha256)
        if form.get("app_id") != self.app_id or not vnpay.same(form.get("mac", ""), mac):
            return {"return_code": 2, "return_message": "mac not equal", "sub_return_code": -402}
        refund_id = form.get("m_refund_id", "")
        with self.lock:
            known = self.refunds.get(refund_id)
            if known is None:
                tx = next(
                    (t for t in self.transactions.values() if t.transaction_no == form.get("zp_trans_id")),
                    None,
                )
                amount = int(form.get("amount") or 0)
                ok = (
                    tx is not None
                    and self.refund_mode != "decline"
                    and self._refundable(tx.reference, amount) is not None
                )
                state = ("processing" if self.refund_mode == "processing" else "done") if ok else "failed"
                known = self.refunds[refund_id] = {"reference": tx.reference if tx else "", "amount": amount,
                                                   "state": state, "number": str(next(self._numbers))}  # fmt: skip
        return self._zalopay_refund_answer(refund_id, known)

    def _zalopay_refund_answer(self, refund_id: str, known: dict) -> dict:
        code = {"done": 1, "processing": 3, "failed": 2}[known["state"]]
        answer = {"return_code": code, "return_message": {1: "Giao dịch thành công", 3: "Giao dịch đang xử lý",
                                                          2: "Giao dịch thất bại"}[code],
                  "sub_return_code": 1 if code == 1 else (-1 if code == 2 else 3), "refund_id": int(known["number"]),
                  "m_refund_id": refund_id}  # fmt: skip
        if self.refund_mode == "replay":
            answer["m_refund_id"] = f"{refund_id}X"
        return answer

    def _zalopay_query_refund(self, form: dict) -> dict:
        refund_id = form.get("m_refund_id", "")
        mac = hmac_hex(self.key1, f"{self.app_id}|{refund_id}|{form.get('timestamp', '')}", sha256)
        if not vnpay.same(form.get("mac", ""), mac):
            return {"return_code": 2, "return_message": "mac not equal", "sub_return_code": -402}
        with self.lock:
            known = self.refunds.get(refund_id)
            if known is None:
                return {
                    "return_code": 2,
                    "return_message": "Không tìm thấy yêu cầu hoàn tiền",
                    "sub_return_code": -101,
                }
            if known["state"] == "processing" and self.refund_mode != "processing":
                known["state"] = "done"  # ZaloPay has finished processing it
        return self._zalopay_refund_answer(refund_id, known)

    def _settlement(self, gateway: str, query: dict) -> dict:
        """The day's paid transactions of one gateway, signed (the stand-in for the merchant portal's daily file)."""
        stamp = query.get("date", "")
        who, key, digest = ((self.tmn_code, self.hash_secret, sha512) if gateway == "vnpay"
                            else (self.app_id, self.key1, sha256))  # fmt: skip
        if query.get("merchant") != who or not vnpay.same(
            query.get("signature", ""), hmac_hex(key, f"{who}|{stamp}", digest)
        ):
            return {"error": "invalid signature"}
        with self.lock:
            rows = [{"reference": t.reference, "amount": t.amount, "transaction": t.transaction_no}
                    for t in self.transactions.values()
                    if t.gateway == gateway and t.status == "paid" and t.paid_at and f"{t.paid_at:%Y%m%d}" == stamp]  # fmt: skip
            rows += list(self.settlement_extra.get((gateway, stamp), []))
        rows.sort(key=lambda r: r["reference"])
        return {
            "date": stamp,
            "rows": rows,
            "signature": hmac_hex(key, f"{stamp}\n{canonical_rows(rows)}", digest),
        }

    # --- HTTP ---

    def _page(self, tx: SandboxTransaction) -> str:
        name = "VNPAY" if tx.gateway == "vnpay" else "ZaloPay"
        ref = html.escape(tx.reference)
        buttons = "".join(
            f'<form method="post" action="/{tx.gateway}/pay"><input type="hidden" name="reference" value="{ref}">'
            f'<input type="hidden" name="decision" value="{d}"><input type="hidden" name="callbacks" value="{n}">'
            f'<button type="submit" id="{bid}">{label}</button></form>'
            for d, n, bid, label in (("approve", 1, "approve", "Thanh toán"), ("decline", 1, "decline", "Huỷ giao dịch"),
                                     ("approve", 2, "approve-twice", "Thanh toán (gửi thông báo hai lần)"),
                                     ("approve", 0, "approve-silent", "Thanh toán (không gửi thông báo)"))
        )  # fmt: skip
        amount = f"{tx.amount:,}".replace(",", ".")
        return (f"<!doctype html><html lang='vi'><meta charset='utf-8'><title>{name} sandbox</title>"
                f"<h1>{name} — cổng thanh toán thử nghiệm</h1><p>Mã giao dịch <b>{ref}</b></p>"
                f"<p>Số tiền <b id='amount'>{amount} đ</b></p>{buttons}</html>")  # fmt: skip

    def _handler(self):
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status: int, body: str | dict, *, content_type="application/json", headers=None):
                data = (json.dumps(body) if isinstance(body, dict) else body).encode()
                self.send_response(status)
                self.send_header(
                    "Content-Type", content_type if isinstance(body, str) else "application/json"
                )
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _form(self) -> dict:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("content-type") or ""):
                    return json.loads(raw or "{}")
                return {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
                if url.path == "/vnpay/paymentv2/vpcpay.html":
                    return self._vnpay_start(query)
                if url.path in ("/vnpay/settlement", "/zalopay/settlement"):
                    return self._send(200, sandbox._settlement(url.path.split("/")[1], query))
                if url.path.startswith("/zalopay/pay/"):
                    tx = sandbox.transactions.get(urllib.parse.unquote(url.path.rsplit("/", 1)[1]))
                    if tx is None:
                        return self._send(
                            404, "<p>Không tìm thấy giao dịch</p>", content_type="text/html; charset=utf-8"
                        )
                    return self._send(200, sandbox._page(tx), content_type="text/html; charset=utf-8")
                return self._send(404, {"error": "not found"})

            def _vnpay_start(self, query):
                if not vnpay.same(query.get("vnp_SecureHash", ""), vnpay.sign(query, sandbox.hash_secret)) \
                        or query.get("vnp_TmnCode") != sandbox.tmn_code:  # fmt: skip
                    return self._send(
                        400, "<p>Sai chữ ký (code 70)</p>", content_type="text/html; charset=utf-8"
                    )
                ref = query["vnp_TxnRef"]
                with sandbox.lock:
                    tx = sandbox.transactions.setdefault(ref, SandboxTransaction(
                        gateway="vnpay", reference=ref, amount=int(query["vnp_Amount"]) // 100,
                        return_url=query["vnp_ReturnUrl"], created=query.get("vnp_CreateDate", "")))  # fmt: skip
                return self._send(200, sandbox._page(tx), content_type="text/html; charset=utf-8")

            def do_POST(self):
                path = urllib.parse.urlsplit(self.path).path
                form = self._form()
                if path in ("/vnpay/pay", "/zalopay/pay"):
                    ref = form.get("reference", "")
                    if ref not in sandbox.transactions:
                        return self._send(
                            404, "<p>Không tìm thấy giao dịch</p>", content_type="text/html; charset=utf-8"
                        )
                    target = sandbox.decide(ref, approve=form.get("decision") == "approve",
                                            callbacks=int(form.get("callbacks") or 1))  # fmt: skip
                    return self._send(302, "", content_type="text/plain", headers={"Location": target})
                if path == "/vnpay/merchant_webapi/api/transaction":
                    if form.get("vnp_Command") == "refund":
                        return self._send(200, sandbox._vnpay_refund(form))
                    return self._send(200, self._vnpay_query(form))
                if path == "/zalopay/v2/refund":
                    return self._send(200, sandbox._zalopay_refund(form))
                if path == "/zalopay/v2/query_refund":
                    return self._send(200, sandbox._zalopay_query_refund(form))
                if path == "/zalopay/v2/create":
                    return self._send(200, self._zalopay_create(form))
                if path == "/zalopay/v2/query":
                    return self._send(200, self._zalopay_query(form))
                return self._send(404, {"error": "not found"})

            def _vnpay_query(self, body):
                expected = vnpay.pipe_sign(body, vnpay._QUERY_FIELDS, sandbox.hash_secret)
                if not vnpay.same(body.get("vnp_SecureHash", ""), expected):
                    answer = {"vnp_ResponseCode": "97", "vnp_Message": "Invalid checksum"}
                else:
                    tx = sandbox.transactions.get(body.get("vnp_TxnRef", ""))
                    answer = {"vnp_ResponseId": body.get("vnp_RequestId", ""), "vnp_Command": "querydr",
                              "vnp_TmnCode": sandbox.tmn_code, "vnp_TxnRef": body.get("vnp_TxnRef", "")}  # fmt: skip
                    if tx is None:
                        answer.update(vnp_ResponseCode="91", vnp_Message="Transaction not found")
                    else:
                        status = {"paid": "00", "failed": "02", "pending": "01"}[tx.status]
                        answer.update(vnp_ResponseCode="00", vnp_Message="QueryDR Success", vnp_Amount=str(tx.amount * 100),
                                      vnp_BankCode="NCB", vnp_PayDate=tx.paid_at.strftime("%Y%m%d%H%M%S") if tx.paid_at else "",
                                      vnp_TransactionNo=tx.transaction_no, vnp_TransactionType="01",
                                      vnp_TransactionStatus=status, vnp_OrderInfo=f"Thanh toan {tx.reference}")  # fmt: skip
                answer["vnp_SecureHash"] = vnpay.pipe_sign(answer, vnpay._ANSWER_FIELDS, sandbox.hash_secret)
                return answer

            def _zalopay_create(self, form):
                try:
                    valid = form.get("app_id") == sandbox.app_id and vnpay.same(form.get("mac", ""),
                                                                                zalopay.create_mac(form, sandbox.key1))  # fmt: skip
                except KeyError:
                    valid = False
                if not valid:
                    return {"return_code": 2, "return_message": "Giao dịch thất bại", "sub_return_code": -402}
                ref = form["app_trans_id"]
                redirect = json.loads(form.get("embed_data") or "{}").get("redirecturl", "")
                with sandbox.lock:
                    sandbox.transactions.setdefault(ref, SandboxTransaction(
                        gateway="zalopay", reference=ref, amount=int(form["amount"]), return_url=redirect,
                        callback_url=form.get("callback_url", "")))  # fmt: skip
                return {"return_code": 1, "return_message": "Giao dịch thành công", "order_url":
                        f"{sandbox.base}/zalopay/pay/{urllib.parse.quote(ref)}", "zp_trans_token": ref}  # fmt: skip

            def _zalopay_query(self, form):
                ref = form.get("app_trans_id", "")
                if not vnpay.same(
                    form.get("mac", ""),
                    hmac_hex(sandbox.key1, f"{sandbox.app_id}|{ref}|{sandbox.key1}", sha256),
                ):
                    return {"return_code": 2, "return_message": "mac not equal", "sub_return_code": -402}
                tx = sandbox.transactions.get(ref)
                if tx is None:
                    return {"return_code": 2, "return_message": "Giao dịch không tồn tại", "sub_return_code": -54,
                            "is_processing": False}  # fmt: skip
                if tx.status == "pending":
                    return {"return_code": 3, "return_message": "Giao dịch đang xử lý", "is_processing": True}
                if tx.status == "failed":
                    return {"return_code": 2, "return_message": "Giao dịch thất bại", "is_processing": False}
                return {"return_code": 1, "return_message": "Giao dịch thành công", "is_processing": False,
                        "amount": tx.amount, "zp_trans_id": int(tx.transaction_no),
                        "server_time": int(tx.paid_at.timestamp() * 1000)}  # fmt: skip

        return Handler
