"""The end-to-end pay flow in a real Chromium (Playwright): sign in, pay a bill through the VNPAY sandbox, see it
paid, see the receipt. The sandbox sends the signed IPN to the live server before it redirects the browser."""

import datetime as dt

import pytest
from django.utils import timezone

from gridcare.payments.models import Payment
from tests import factories
from tests.payments.builders import bill
from tests.portal.builders import PASSWORD, portal_login
from tests.portal.test_browser import browser  # noqa: F401 - the Chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def billed(world):
    acct = factories.account(world, name="Trần Thị Bình")
    portal_login(acct)
    today = timezone.localdate()
    due = bill(
        acct,
        total=187_500,
        due_date=today + dt.timedelta(days=5),
        period=(today - dt.timedelta(days=35)).replace(day=1),
    )
    return acct, due


def test_a_customer_pays_a_bill_through_vnpay_and_sees_the_receipt(billed, sandbox, browser, live_server):  # noqa: F811
    acct, due = billed
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Mã khách hàng").fill(acct.code)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        assert "187.500 ₫" in page.locator(f"#money-{acct.code}").inner_text()
        page.goto(f"{live_server.url}/accounts/{acct.code}/bills/{due.number}/")
        page.locator("#bill-pay").click()
        page.get_by_label("VNPAY (thẻ ATM, QR ngân hàng)").check()
        page.locator("#pay-submit").click()
        page.wait_for_url(f"{sandbox.base}/vnpay/**")
        assert "187.500 đ" in page.locator("#amount").inner_text()
        page.locator("#approve").click()  # the sandbox sends the IPN, then redirects back
        page.wait_for_url(f"{live_server.url}/payments/**")
        assert page.locator("#payment-status").get_attribute("data-status") == "paid"
        page.locator("#receipt-link").click()
        payment = Payment.objects.get()
        assert page.locator("#receipt-number").inner_text() == payment.receipt_number
        assert page.locator("#receipt-amount").inner_text() == "187.500 ₫"
        page.goto(f"{live_server.url}/accounts/{acct.code}/bills/{due.number}/")
        assert page.locator("#bill-paid").is_visible()
    finally:
        context.close()
