"""In real browsers: a customer's "no power" report → staff open the suggested incident → close it → the notice is in the inbox."""

import pytest

from gridcare.notifications.defaults import template_rows
from gridcare.notifications.models import Template
from gridcare.org.models import StaffRole
from tests import factories
from tests.backoffice.builders import PASSWORD as STAFF_PASSWORD
from tests.backoffice.builders import current_code, staff, totp_device
from tests.portal.builders import portal_login
from tests.portal.test_browser import browser, phone, serious_violations, sign_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(world):
    # A transactional test may follow another that flushed the tables the data migrations filled.
    for key, topic, channel, language, subject, body, parameters in template_rows():
        Template.objects.get_or_create(key=key, channel=channel, language=language,
                                       defaults={"topic": topic, "subject": subject, "body": body, "parameters": parameters})  # fmt: skip
    customer = factories.account(world, name="Võ Thị Hoa", phone="+84901000011")
    portal_login(customer)
    operator = staff(unit=world["company"], role=StaffRole.OPERATOR, username="vanhanh.pcct")
    device = totp_device(operator)
    return {"customer": customer, "operator": operator, "device": device}


def test_a_no_power_report_becomes_an_incident_and_the_restoration_reaches_the_inbox(
    cast,
    phone,  # noqa: F811 - the fixture imported above
    browser,  # noqa: F811
    live_server,
):
    customer = cast["customer"]
    page = phone
    sign_in(page, customer.code)
    page.goto(f"/accounts/{customer.code}/")
    page.locator("#outages-link").click()
    page.wait_for_url(f"**/accounts/{customer.code}/outages/")
    page.get_by_label("Ghi chú (không bắt buộc)").fill("Cả xóm mất điện")
    page.get_by_role("button", name="Báo mất điện").click()
    assert "Đã ghi nhận báo mất điện" in page.locator("main").inner_text()
    assert serious_violations(page) == []

    desk = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="vi-VN", base_url=live_server.url
    )
    staff_page = desk.new_page()
    staff_page.goto("/backoffice/login/?next=/backoffice/outages/outage/suggestions/")
    staff_page.locator("#id_username").fill("vanhanh.pcct")
    staff_page.locator("#id_password").fill(STAFF_PASSWORD)
    staff_page.locator("#id_otp_token").fill(current_code(cast["device"]))
    staff_page.locator("#login-form [type=submit]").click()
    staff_page.wait_for_url("**/outages/outage/suggestions/")
    row = staff_page.locator("#suggestions tbody tr")
    assert row.count() == 1 and "471-CT1" in row.inner_text()
    row.get_by_role("button", name="Mở sự cố").click()
    staff_page.wait_for_url("**/outages/outage/*/change/")
    # No ORM query from here on: inside Playwright's event loop it would open a second database connection.
    incident_id = staff_page.url.rstrip("/").split("/")[-2]
    assert "sự cố mất điện" in staff_page.locator("div.field-kind").inner_text().lower()
    staff_page.get_by_role("link", name="Đã có điện lại: đóng và báo khách hàng").click()
    assert "1 khách hàng bị ảnh hưởng" in staff_page.locator("#affected-count").inner_text()
    staff_page.locator("#confirm-step").click()
    staff_page.wait_for_url(f"**/outages/outage/{incident_id}/change/")
    assert "đã có điện lại" in staff_page.locator("div.field-status").inner_text().lower()
    desk.close()

    page.goto(f"/accounts/{customer.code}/notifications/")
    inbox = page.locator("#inbox-list").inner_text()
    assert "Đã có điện trở lại" in inbox and "Sự cố mất điện" in inbox
    page.goto(f"/accounts/{customer.code}/outages/")
    assert "đã gom vào sự cố" in page.locator("#my-reports").inner_text()
