"""The portal's money: the home page's amount due, the pay page, the return page, receipts; others get a 404."""

import datetime as dt

import pytest
from django.utils import timezone

from gridcare.payments import services
from gridcare.payments.models import PaymentOrder
from tests import factories
from tests.payments.builders import bill
from tests.portal.builders import portal_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(world):
    acct = factories.account(world, name="Trần Thị Bình")
    portal_login(acct)
    today = timezone.localdate()
    old = bill(
        acct,
        total=120_000,
        due_date=today - dt.timedelta(days=20),
        period=(today - dt.timedelta(days=70)).replace(day=1),
    )
    new = bill(
        acct,
        total=230_500,
        due_date=today + dt.timedelta(days=8),
        period=(today - dt.timedelta(days=35)).replace(day=1),
    )
    return acct, old, new


@pytest.fixture
def someone_else(world):
    acct = factories.account(world, name="Người Khác")
    portal_login(acct)
    b = bill(acct, total=99_000, due_date=timezone.localdate())
    return acct, b


def test_home_shows_what_is_due_overdue_and_one_pay_button(client, mine):
    acct, _old, _new = mine
    client.force_login(acct.customer.user)
    page = client.get("/").content.decode()
    assert "350.500 ₫" in page  # due: 120.000 + 230.500
    assert "Quá hạn thanh toán: 120.000 ₫" in page
    assert page.count('class="button button-primary pay-button"') == 1
    assert f"/accounts/{acct.code}/pay/" in page


def test_after_paying_everything_home_says_nothing_is_due_and_shows_credit(client, mine):
    acct, _old, _new = mine
    services.payment_record(
        channel="counter", reference="Q-1", account=acct, amount=400_000, received_at=timezone.now()
    )
    client.force_login(acct.customer.user)
    page = client.get("/").content.decode()
    assert "Không có khoản nào cần thanh toán." in page and "49.500 ₫" in page  # 400.000 − 350.500 credit
    assert "pay-button" not in page


def test_the_pay_page_lists_the_bills_and_vnpay_goes_to_the_gateway(client, mine):
    acct, old, _new = mine
    client.force_login(acct.customer.user)
    page = client.get(f"/accounts/{acct.code}/pay/?bill={old.number}").content.decode()
    assert "120.000 ₫" in page and "230.500" not in page
    response = client.post(f"/accounts/{acct.code}/pay/", {"bill": old.number, "gateway": "vnpay"})
    assert response.status_code == 302 and "vnp_Amount=12000000" in response["Location"]
    order = PaymentOrder.objects.get()
    assert order.amount == 120_000 and order.status == "pending"
    shown = client.get(f"/payments/{order.reference}/").content.decode()
    assert 'data-status="pending"' in shown and 'http-equiv="refresh"' in shown


def test_bank_transfer_shows_the_account_and_the_transfer_text(client, mine):
    acct, _old, new = mine
    client.force_login(acct.customer.user)
    page = client.post(
        f"/accounts/{acct.code}/pay/", {"bill": new.number, "gateway": "bank_transfer"}
    ).content.decode()
    assert f"{acct.code} {new.number}" in page and "230.500 ₫" in page
    assert PaymentOrder.objects.count() == 0


def test_no_choice_is_a_sentence_not_an_error_page(client, mine):
    acct, _old, _new = mine
    client.force_login(acct.customer.user)
    response = client.post(f"/accounts/{acct.code}/pay/", {})
    assert response.status_code == 400 and "Vui lòng chọn một cách thanh toán." in response.content.decode()


def test_the_bill_page_shows_what_is_left_or_that_it_is_paid(client, mine):
    acct, old, new = mine
    services.payment_record(
        channel="counter", reference="Q-2", account=acct, amount=150_000, received_at=timezone.now()
    )
    client.force_login(acct.customer.user)
    paid = client.get(f"/accounts/{acct.code}/bills/{old.number}/").content.decode()
    assert 'id="bill-paid"' in paid
    part = client.get(f"/accounts/{acct.code}/bills/{new.number}/").content.decode()
    assert "200.500 ₫" in part and f"pay/?bill={new.number}" in part


def test_receipts_are_listed_and_shown(client, mine):
    acct, old, _new = mine
    payment, _ = services.payment_record(channel="vnpay", reference="GC1", account=acct, amount=120_000,
                                         received_at=timezone.now())  # fmt: skip
    client.force_login(acct.customer.user)
    listing = client.get(f"/accounts/{acct.code}/receipts/").content.decode()
    assert payment.receipt_number in listing
    receipt = client.get(f"/accounts/{acct.code}/receipts/{payment.receipt_number}/").content.decode()
    assert "120.000 ₫" in receipt and old.number in receipt


def test_another_customer_gets_a_404_on_every_payment_page(client, mine, someone_else):
    acct, old, _new = mine
    payment, _ = services.payment_record(channel="vnpay", reference="GC2", account=acct, amount=1_000,
                                         received_at=timezone.now())  # fmt: skip
    order = PaymentOrder.objects.create(reference="GCMINE1", gateway="vnpay", account=acct, amount=1_000,
                                        created_at=timezone.now(), expires_at=timezone.now())  # fmt: skip
    other, _b = someone_else
    client.force_login(other.customer.user)
    for url in (f"/accounts/{acct.code}/pay/", f"/accounts/{acct.code}/pay/?bill={old.number}",
                f"/accounts/{acct.code}/receipts/", f"/accounts/{acct.code}/receipts/{payment.receipt_number}/",
                f"/payments/{order.reference}/", f"/accounts/{other.code}/pay/?bill={old.number}"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 404, url
        assert "120.000" not in response.content.decode()
    response = client.post(f"/accounts/{acct.code}/pay/", {"gateway": "vnpay"})
    assert response.status_code == 404 and PaymentOrder.objects.count() == 1


def test_another_customer_gets_a_404_from_every_payment_endpoint(client, mine, someone_else):
    acct, old, _new = mine
    order = PaymentOrder.objects.create(reference="GCMINE2", gateway="vnpay", account=acct, amount=1_000,
                                        created_at=timezone.now(), expires_at=timezone.now())  # fmt: skip
    other, _b = someone_else
    client.force_login(other.customer.user)
    for url in (f"/api/v1/accounts/{acct.code}/balance/", f"/api/v1/accounts/{acct.code}/payments/",
                f"/api/v1/payments/{order.reference}/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found", url
    for body in (
        {"account": acct.code, "gateway": "vnpay"},
        {"account": other.code, "bills": [old.number], "gateway": "vnpay"},
    ):
        response = client.post("/api/v1/payments/", body, content_type="application/json")
        assert response.status_code == 404, body
    assert PaymentOrder.objects.count() == 1


def test_the_balance_endpoint_for_the_customer(client, mine):
    acct, old, new = mine
    services.payment_record(
        channel="counter", reference="Q-3", account=acct, amount=20_000, received_at=timezone.now()
    )
    client.force_login(acct.customer.user)
    body = client.get(f"/api/v1/accounts/{acct.code}/balance/").json()
    assert (body["due"], body["overdue"], body["credit"]) == (330_500, 100_000, 0)
    assert [(b["number"], b["outstanding"], b["overdue"]) for b in body["bills"]] == [
        (old.number, 100_000, True), (new.number, 230_500, False)]  # fmt: skip


def _shown_vietqr(page: str) -> str:
    import re

    found = re.search(r'id="transfer-vietqr" data-payload="([^"]+)"', page)
    assert found, "the bank-transfer page shows no VietQR code"
    assert "<svg" in page[found.end() : found.end() + 400]
    return found.group(1)


def test_bank_transfer_shows_the_vietqr_of_the_bill_with_what_is_left_to_pay(client, mine, settings):
    from vietnam_qr_pay import QRPay

    from gridcare.billing.vietqr import payment_reference

    acct, _old, new = mine
    type(new).objects.filter(pk=new.pk).update(number="202511-000000012")
    services.payment_record(channel="counter", reference="Q-part", account=acct, amount=150_000, received_at=timezone.now(),
                            bills=[])  # pays the older bill (120.000) and 30.000 of this one  # fmt: skip
    client.force_login(acct.customer.user)
    page = client.post(
        f"/accounts/{acct.code}/pay/", {"bill": "202511-000000012", "gateway": "bank_transfer"}
    ).content.decode()
    qr = QRPay(_shown_vietqr(page))
    assert qr.is_valid and qr.amount == "200500"  # 230.500 − 30.000 already paid
    assert qr.consumer.bank_bin == settings.GRIDCARE_VIETQR_BANK_BIN
    assert qr.additional_data.purpose == payment_reference(bill_number="202511-000000012")


def test_paying_everything_by_transfer_names_the_customer_code_in_the_vietqr(client, mine):
    from vietnam_qr_pay import QRPay

    acct, _old, _new = mine
    client.force_login(acct.customer.user)
    page = client.post(f"/accounts/{acct.code}/pay/", {"gateway": "bank_transfer"}).content.decode()
    qr = QRPay(_shown_vietqr(page))
    assert qr.is_valid and qr.amount == "350500" and qr.additional_data.purpose == acct.code
