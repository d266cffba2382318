"""The adapters against the protocols: signatures computed by hand, callbacks verified, tampering refused."""

import hashlib
import hmac
import urllib.parse

import pytest

from gridcare.payments.gateways import CallbackInvalid
from gridcare.payments.gateways.vnpay import VnpayGateway, canonical
from gridcare.payments.gateways.zalopay import ZalopayGateway, create_mac
from tests.payments.signing import vnpay_ipn, vnpay_signed, zalopay_callback

SECRET = "TESTSECRETKEY"


def _vnpay():
    return VnpayGateway(tmn_code="TMN1", hash_secret=SECRET, pay_url="https://pay.example/vpcpay.html",
                        query_url="https://pay.example/q")  # fmt: skip


def _zalopay():
    return ZalopayGateway(app_id="2553", key1="k1", key2="k2", create_url="https://zp/create", query_url="https://zp/q",
                          callback_url="https://site/cb")  # fmt: skip


def test_vnpay_signs_the_sorted_quote_plus_encoded_pairs_without_empty_values():
    params = {"vnp_TxnRef": "A1", "vnp_OrderInfo": "Thanh toán hoá đơn", "vnp_Amount": "1000000", "vnp_BankCode": "",
              "vnp_SecureHash": "ignored"}  # fmt: skip
    by_hand = "vnp_Amount=1000000&vnp_OrderInfo=Thanh+to%C3%A1n+ho%C3%A1+%C4%91%C6%A1n&vnp_TxnRef=A1"
    assert canonical(params) == by_hand
    digest = hmac.new(SECRET.encode(), by_hand.encode(), hashlib.sha512).hexdigest()
    from gridcare.payments.gateways.vnpay import sign

    assert sign(params, SECRET) == digest


def test_vnpay_payment_url_carries_the_protocol_fields_and_a_valid_hash():
    import datetime as dt

    from gridcare.payments.gateways.base import PaymentRequest

    at = dt.datetime(2025, 8, 1, 3, 0, tzinfo=dt.UTC)  # 10:00 in Vietnam
    url = _vnpay().payment_url(request=PaymentRequest(
        reference="GC1", amount=123_456, description="Thanh toan", account_code="PB1", created_at=at,
        expires_at=at + dt.timedelta(minutes=15), return_url="https://site/r?x=1", client_ip="10.0.0.1"))  # fmt: skip
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert (
        query["vnp_Amount"] == "12345600"
        and query["vnp_Version"] == "2.1.0"
        and query["vnp_Command"] == "pay"
    )
    assert query["vnp_CreateDate"] == "20250801100000" and query["vnp_ExpireDate"] == "20250801101500"
    assert query["vnp_CurrCode"] == "VND" and query["vnp_TmnCode"] == "TMN1" and query["vnp_Locale"] == "vn"
    given = query.pop("vnp_SecureHash")
    assert vnpay_signed(query, SECRET)["vnp_SecureHash"] == given


def test_vnpay_callback_verifies_and_reads_vnd_from_amount_times_100():
    ipn = vnpay_ipn(tmn_code="TMN1", secret=SECRET, reference="GC1", amount=150_000, transaction_no=77)
    result = _vnpay().verify_callback(ipn)
    assert (result.reference, result.amount, result.succeeded, result.gateway_transaction) == (
        "GC1",
        150_000,
        True,
        "77",
    )
    declined = _vnpay().verify_callback(vnpay_ipn(tmn_code="TMN1", secret=SECRET, reference="GC1", amount=150_000,
                                                  transaction_no=78, ok=False))  # fmt: skip
    assert not declined.succeeded


@pytest.mark.parametrize("tamper", [
    lambda p: p | {"vnp_Amount": "1"},
    lambda p: p | {"vnp_SecureHash": p["vnp_SecureHash"][:-2] + "00"},
    lambda p: {k: v for k, v in p.items() if k != "vnp_SecureHash"},
    lambda p: vnpay_ipn(tmn_code="TMN1", secret="OTHER", reference="GC1", amount=150_000, transaction_no=77),
])  # fmt: skip
def test_vnpay_refuses_a_tampered_or_foreign_callback(tamper):
    ipn = vnpay_ipn(tmn_code="TMN1", secret=SECRET, reference="GC1", amount=150_000, transaction_no=77)
    with pytest.raises(CallbackInvalid):
        _vnpay().verify_callback(tamper(ipn))


def test_zalopay_create_mac_is_hmac_sha256_of_the_pipe_joined_fields_with_key1():
    fields = {"app_id": "2553", "app_trans_id": "250801_1", "app_user": "PB1", "amount": "50000", "app_time": "1",
              "embed_data": "{}", "item": "[]"}  # fmt: skip
    text = "2553|250801_1|PB1|50000|1|{}|[]"
    assert create_mac(fields, "k1") == hmac.new(b"k1", text.encode(), hashlib.sha256).hexdigest()


def test_zalopay_callback_mac_with_key2_and_tampering_refused():
    body = zalopay_callback(app_id="2553", key2="k2", reference="250801_1", amount=50_000, zp_trans_id=9)
    result = _zalopay().verify_callback(body)
    assert (result.reference, result.amount, result.succeeded, result.gateway_transaction) == (
        "250801_1",
        50_000,
        True,
        "9",
    )
    with pytest.raises(CallbackInvalid):
        _zalopay().verify_callback(body | {"data": body["data"].replace("50000", "5000")})
    with pytest.raises(CallbackInvalid):
        _zalopay().verify_callback(zalopay_callback(app_id="2553", key2="k1", reference="250801_1", amount=50_000,
                                                    zp_trans_id=9))  # fmt: skip
