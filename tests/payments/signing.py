"""The gateways' signatures written again for the tests, straight from the protocol notes (not from our adapters)."""

import hashlib
import hmac
import json
import urllib.parse


def vnpay_signed(params: dict, secret: str) -> dict:
    """`params` with `vnp_SecureHash`: HMAC-SHA512 over the sorted, quote_plus-encoded, non-empty pairs."""
    text = "&".join(
        f"{k}={urllib.parse.quote_plus(str(v))}" for k, v in sorted(params.items()) if str(v) != ""
    )
    return {**params, "vnp_SecureHash": hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()}


def vnpay_ipn(*, tmn_code, secret, reference, amount, transaction_no, ok=True, pay_date="20250801100000"):
    """The query string of a VNPAY IPN for `amount` VND."""
    return vnpay_signed({
        "vnp_Amount": str(amount * 100), "vnp_BankCode": "NCB", "vnp_OrderInfo": f"Thanh toan {reference}",
        "vnp_PayDate": pay_date, "vnp_ResponseCode": "00" if ok else "24", "vnp_TmnCode": tmn_code,
        "vnp_TransactionNo": str(transaction_no), "vnp_TransactionStatus": "00" if ok else "02", "vnp_TxnRef": reference,
    }, secret)  # fmt: skip


def zalopay_callback(*, app_id, key2, reference, amount, zp_trans_id, server_time=1754017200000):
    """The JSON body of a ZaloPay callback: `data` and its HMAC-SHA256 with key2."""
    data = json.dumps({"app_id": int(app_id), "app_trans_id": reference, "app_time": server_time, "app_user": "",
                       "amount": amount, "embed_data": "{}", "item": "[]", "zp_trans_id": zp_trans_id,
                       "server_time": server_time, "channel": 38, "merchant_user_id": "", "user_fee_amount": 0,
                       "discount_amount": 0})  # fmt: skip
    return {
        "data": data,
        "mac": hmac.new(key2.encode(), data.encode(), hashlib.sha256).hexdigest(),
        "type": 1,
    }
