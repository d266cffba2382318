"""Paying through the sandbox gateways over real HTTP: only the server-to-server callback settles money."""

import datetime as dt
import urllib.parse

import httpx
import pytest
from django.conf import settings
from django.test import Client

from gridcare.notifications.models import Notice
from gridcare.payments import selectors, services
from gridcare.payments.models import GatewayCallback, Payment, PaymentOrder
from tests import factories
from tests.payments.builders import bill
from tests.payments.signing import vnpay_ipn
from tests.portal.builders import portal_login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def customer(world):
    acct = factories.account(world, phone="+84901234567")
    portal_login(acct)
    july = bill(acct, total=120_000, due_date=dt.date(2025, 7, 10))
    august = bill(acct, total=230_000, due_date=dt.date(2025, 8, 10))
    return acct, july, august


def _csrf_client(acct):
    client = Client(enforce_csrf_checks=True)
    client.force_login(acct.customer.user)
    client.get("/")  # sets the CSRF cookie
    return client


def _start(client, body):
    token = client.cookies["csrftoken"].value
    return client.post(
        "/api/v1/payments/", body, content_type="application/json", headers={"X-CSRFToken": token}
    )


def _open(client, body):
    """Start a payment and open the gateway's page, as the browser does; returns the API's answer."""
    started = _start(client, body).json()
    assert httpx.get(started["redirect_url"]).status_code == 200
    return started


def test_pay_all_due_through_vnpay_the_ipn_settles_and_a_replay_changes_nothing(customer, sandbox):
    acct, july, august = customer
    client = _csrf_client(acct)
    assert client.post("/api/v1/payments/", {"account": acct.code, "gateway": "vnpay"},
                       content_type="application/json").status_code == 403  # no CSRF token  # fmt: skip
    started = _start(client, {"account": acct.code, "gateway": "vnpay"})
    assert started.status_code == 201, started.content
    body = started.json()
    assert body["amount"] == 350_000 and body["status"] == "pending"
    assert body["redirect_url"].startswith(sandbox.base)
    page = httpx.get(body["redirect_url"])  # the gateway accepts our signed URL and shows its page
    assert page.status_code == 200 and "350.000" in page.text
    back = sandbox.decide(body["reference"], approve=True, callbacks=2)  # the IPN, sent twice
    assert sandbox.transactions[body["reference"]].callbacks == [
        '{"RspCode": "00", "Message": "Confirm Success"}',
        '{"RspCode": "02", "Message": "Order already confirmed"}',
    ]
    order = PaymentOrder.objects.get(reference=body["reference"])
    assert order.status == "paid" and Payment.objects.filter(order=order).count() == 1
    assert selectors.account_balance(account=acct, today=dt.date(2025, 8, 1)).due == 0
    assert Notice.objects.filter(template_key="payment_receipt").count() == 1
    assert urllib.parse.urlsplit(back).path == f"/payments/{body['reference']}/"
    shown = client.get(urllib.parse.urlsplit(back).path + "?" + urllib.parse.urlsplit(back).query)
    assert shown.status_code == 200 and 'data-status="paid"' in shown.content.decode()


def test_one_bill_through_zalopay_callback_sent_twice_pays_that_bill_once(customer, sandbox):
    acct, july, august = customer
    client = _csrf_client(acct)
    started = _start(client, {"account": acct.code, "bills": [august.number], "gateway": "zalopay"})
    assert started.status_code == 201, started.content
    body = started.json()
    assert body["amount"] == 230_000 and "/zalopay/pay/" in body["redirect_url"]
    sandbox.decide(body["reference"], approve=True, callbacks=2)
    answers = sandbox.transactions[body["reference"]].callbacks
    assert answers == ['{"return_code": 1, "return_message": "success"}',
                       '{"return_code": 2, "return_message": "already confirmed"}']  # fmt: skip
    assert selectors.bill_paid_amount(bill=august) == 230_000 and selectors.bill_paid_amount(bill=july) == 0


def test_a_declined_payment_records_nothing_and_the_return_page_says_so(customer, sandbox):
    acct, _july, _august = customer
    client = _csrf_client(acct)
    body = _open(client, {"account": acct.code, "gateway": "vnpay"})
    sandbox.decide(body["reference"], approve=False)
    assert PaymentOrder.objects.get(reference=body["reference"]).status == "failed"
    assert Payment.objects.count() == 0
    page = client.get(f"/payments/{body['reference']}/")
    assert 'data-status="failed"' in page.content.decode()


def test_without_a_callback_the_status_query_settles_or_expires_the_order(customer, sandbox):
    acct, _july, august = customer
    client = _csrf_client(acct)
    paid = _open(client, {"account": acct.code, "bills": [august.number], "gateway": "vnpay"})
    sandbox.decide(paid["reference"], approve=True, callbacks=0)  # paid at the gateway, the IPN never came
    never = _start(
        client, {"account": acct.code, "gateway": "vnpay"}
    ).json()  # the customer left the gateway page
    zalo = _start(client, {"account": acct.code, "gateway": "zalopay"}).json()
    assert PaymentOrder.objects.get(reference=paid["reference"]).status == "pending"
    later = PaymentOrder.objects.get(reference=never["reference"]).expires_at + dt.timedelta(minutes=5)
    assert services.payment_order_query(reference=paid["reference"], now=later) == "paid"
    assert services.payment_order_query(reference=never["reference"], now=later) == "expired"
    assert services.payment_order_query(reference=zalo["reference"], now=later) == "expired"
    assert Payment.objects.get().amount == 230_000
    # A late IPN for the order the query settled changes nothing.
    tx = sandbox.transactions[paid["reference"]]
    ipn = vnpay_ipn(tmn_code=settings.GRIDCARE_VNPAY_TMN_CODE, secret=settings.GRIDCARE_VNPAY_HASH_SECRET,
                    reference=paid["reference"], amount=230_000, transaction_no=tx.transaction_no)  # fmt: skip
    assert httpx.get(f"{sandbox.site}/payments/vnpay/ipn/", params=ipn).json()["RspCode"] == "02"
    assert Payment.objects.count() == 1


def test_a_late_success_after_expiry_still_records_the_money(customer, sandbox):
    acct, _july, _august = customer
    client = _csrf_client(acct)
    body = _start(client, {"account": acct.code, "gateway": "vnpay"}).json()
    order = PaymentOrder.objects.get(reference=body["reference"])
    assert (
        services.payment_order_query(
            reference=order.reference, now=order.expires_at + dt.timedelta(minutes=1)
        )
        == "expired"
    )
    ipn = vnpay_ipn(tmn_code=settings.GRIDCARE_VNPAY_TMN_CODE, secret=settings.GRIDCARE_VNPAY_HASH_SECRET,
                    reference=order.reference, amount=350_000, transaction_no=5)  # fmt: skip
    assert httpx.get(f"{sandbox.site}/payments/vnpay/ipn/", params=ipn).json() == {
        "RspCode": "00",
        "Message": "Confirm Success",
    }
    assert PaymentOrder.objects.get(pk=order.pk).status == "paid" and Payment.objects.count() == 1


def test_ipn_answers_in_vnpays_order_checksum_order_amount_confirmed(customer, live_server):
    acct, _july, _august = customer
    order = PaymentOrder.objects.create(reference="GCTEST1", gateway="vnpay", account=acct, amount=350_000,
                                        created_at=dt.datetime(2025, 8, 1, tzinfo=dt.UTC),
                                        expires_at=dt.datetime(2025, 8, 1, 0, 15, tzinfo=dt.UTC))  # fmt: skip
    secret, tmn = settings.GRIDCARE_VNPAY_HASH_SECRET, settings.GRIDCARE_VNPAY_TMN_CODE
    url = f"{live_server.url}/payments/vnpay/ipn/"

    def code(**kw):
        params = vnpay_ipn(tmn_code=tmn, secret=kw.pop("secret", secret), **kw)
        return httpx.get(url, params=params).json()["RspCode"]

    # A forged signature is refused first, even for an unknown order or a wrong amount.
    assert code(secret="forged", reference="NOPE", amount=1, transaction_no=1) == "97"
    assert code(reference="NOPE", amount=350_000, transaction_no=1) == "01"
    assert code(reference=order.reference, amount=349_999, transaction_no=1) == "04"
    assert code(reference=order.reference, amount=350_000, transaction_no=1) == "00"
    assert code(reference=order.reference, amount=350_000, transaction_no=1) == "02"
    assert httpx.get(url, params={"vnp_TxnRef": "x"}).json()["RspCode"] == "97"
    outcomes = list(GatewayCallback.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["invalid_signature", "not_found", "invalid_amount", "confirmed", "already_confirmed",
                        "invalid_signature"]  # fmt: skip
    assert Payment.objects.count() == 1
