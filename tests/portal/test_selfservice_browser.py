"""In a real Chromium at 360 px: a forgotten password reset by the code sent to the contract's phone, and a second
contract added by its customer code and the code sent to that contract's phone. Data is written before the browser
starts (see tests/portal/test_browser.py); the codes are read from the outbox, as the phone would show them.
"""

import re

import pytest

from gridcare.notifications.defaults import template_rows
from gridcare.notifications.models import OutboxMessage, Template
from tests import factories
from tests.notifications.builders import code_sent
from tests.portal.builders import portal_login
from tests.portal.test_browser import assert_fits_a_phone, browser, phone, serious_violations, sign_in  # noqa: F401
from tests.tasks import run_queued_tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "Nhà-mới-2026-sáng"  # noqa: S105 - a test password


@pytest.fixture
def landlord(world):
    # A transactional test may follow another that flushed the tables the data migrations filled.
    for key, topic, channel, language, subject, body, parameters in template_rows():
        Template.objects.get_or_create(key=key, channel=channel, language=language,
                                       defaults={"topic": topic, "subject": subject, "body": body, "parameters": parameters})  # fmt: skip
    own = factories.account(world, name="Đặng Văn Long", phone="+84901000444")
    portal_login(own)
    tenant = factories.account(world, name="Hồ Thị Lan", phone="+84901000555")
    return own, tenant


def code_for(acct) -> str:
    run_queued_tasks()
    return code_sent(OutboxMessage.objects.filter(account=acct, channel="sms").order_by("-pk").first())


def test_a_forgotten_password_is_reset_on_a_phone(landlord, phone):  # noqa: F811
    from playwright.sync_api import expect

    own, _tenant = landlord
    page = phone
    page.goto("/login/")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    page.get_by_label("Mã khách hàng").fill(own.code)
    page.get_by_label("Tin nhắn SMS tới số điện thoại trong hợp đồng").check()
    page.get_by_role("button", name="Gửi mã").click()
    page.wait_for_url("**/login/reset/verify/")
    page.get_by_label("Mã xác thực (6 chữ số)").fill(code_for(own))
    page.get_by_label("Mật khẩu mới", exact=True).fill("123")
    page.get_by_label("Nhập lại mật khẩu mới").fill("123")
    page.get_by_role("button", name="Đặt mật khẩu mới").click()
    # The refusal comes back on the same address: wait for the answer, not for a URL (reading main at once could read
    # the page the form was typed on, before the POST's answer replaced it).
    expect(page.locator("main")).to_contain_text("Mật khẩu quá ngắn")
    assert_fits_a_phone(page)
    page.get_by_label("Mật khẩu mới", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Đặt mật khẩu mới").click()
    page.wait_for_url("**/profile/")
    assert "Đã đặt mật khẩu mới và đăng nhập" in page.locator("main").inner_text()
    assert_fits_a_phone(page)
    assert serious_violations(page) == []
    page.get_by_role("button", name="Đăng xuất").click()
    # Wait for the sign-out's own redirect: going to /login/ at once could abort the POST before the server saw it,
    # and a session still signed in is sent away from the sign-in page.
    page.wait_for_url("**/login/")
    page.get_by_label("Mã khách hàng").fill(own.code)
    page.get_by_label("Mật khẩu").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    assert "Tài khoản của tôi" in page.locator("main").inner_text()


def test_a_second_contract_is_added_and_switched_to_on_a_phone(landlord, phone):  # noqa: F811
    own, tenant = landlord
    page = phone
    sign_in(page, own.code)
    page.get_by_role("link", name="Tài khoản và liên hệ").click()
    page.get_by_role("link", name="Thêm hợp đồng khác").click()
    page.get_by_label("Mã khách hàng").fill(tenant.code)
    page.get_by_role("button", name="Gửi mã").click()
    page.wait_for_url("**/profile/accounts/add/verify/")
    assert_fits_a_phone(page)
    page.get_by_label("Mã xác thực (6 chữ số)").fill(code_for(tenant))
    page.get_by_role("button", name="Thêm hợp đồng").click()
    page.wait_for_url("**/profile/")
    main = page.locator("main").inner_text()
    assert f"Đã thêm hợp đồng {tenant.code}" in main and f"Liên hệ của hợp đồng {tenant.code}" in main
    assert_fits_a_phone(page)
    assert serious_violations(page) == []
    page.get_by_role("button", name=re.compile(f"Chọn hợp đồng này.*{own.code}", re.S)).click()
    page.wait_for_url(f"**/accounts/{own.code}/")
    page.goto("/")
    assert tenant.code in page.locator("#accounts").inner_text()


def test_zalo_is_linked_through_the_oa_and_unlinked_on_a_phone(landlord, phone, live_server, settings):  # noqa: F811
    from playwright.sync_api import expect

    from tests.notifications.receipt_senders import ZALO_APP_ID, ZALO_OA_SECRET, ZaloOaSender

    settings.GRIDCARE_ZNS_WEBHOOK_SECRET, settings.GRIDCARE_ZNS_APP_ID = ZALO_OA_SECRET, ZALO_APP_ID
    settings.GRIDCARE_ZALO_OA_ID = "oa-9"
    own, _tenant = landlord
    page = phone
    sign_in(page, own.code)
    page.get_by_role("link", name="Tài khoản và liên hệ").click()
    page.get_by_role("link", name="Liên kết Zalo").click()
    page.get_by_role("button", name="Lấy mã liên kết").click()
    page.wait_for_url("**/profile/zalo/oa/")
    code = page.locator("#zalo-oa-code-value").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert_fits_a_phone(page)
    assert serious_violations(page) == []
    zalo = ZaloOaSender(live_server.url)
    try:
        assert zalo.send("follow", "8400777").json()["outcome"] == "followed"
        assert zalo.send("user_send_text", "8400777", text=code).json()["outcome"] == "linked"
    finally:
        zalo.close()
    page.get_by_role("link", name="Kiểm tra").click()
    page.wait_for_url("**/profile/")
    expect(page.locator("#zalo-status")).to_have_text("đã liên kết")
    assert "Đã liên kết Zalo qua Zalo OA" in page.locator("main").inner_text()
    page.get_by_role("link", name="Bỏ liên kết Zalo").click()
    page.wait_for_url("**/profile/contact/zalo/remove/")
    assert_fits_a_phone(page)
    assert serious_violations(page) == []
    page.get_by_role("button", name="Bỏ liên kết Zalo").click()
    page.wait_for_url("**/profile/")
    expect(page.locator("#zalo-status")).to_have_text("chưa liên kết")
    assert "Đã bỏ liên kết Zalo" in page.locator("main").inner_text()
