"""The whole service-desk flow in a real Chromium on a phone-sized screen.

A customer opens a request with a photo; the team lead assigns it; the field worker signs in to the back office
(password and two-factor code), opens the day's job, starts it, fills the report with no connection (the phone
keeps it), and the report goes out when the connection is back, closing the request; the customer answers the
survey. Data is written before the browser starts (see tests/portal/test_browser.py).
"""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from PIL import Image

from gridcare.org.models import StaffRole
from gridcare.servicedesk import services
from gridcare.servicedesk.models import RequestState, ServiceRequest, WorkOrder
from tests import factories
from tests.backoffice.builders import PASSWORD as STAFF_PASSWORD
from tests.backoffice.builders import current_code, staff, totp_device
from tests.portal.builders import portal_login
from tests.portal.test_browser import CHROMIUM, browser, collect_csp_errors, serious_violations, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # Request types and message templates are migration data, which earlier transactional tests flushed.
    if not apps.get_model("servicedesk", "RequestType").objects.exists():
        importlib.import_module("gridcare.servicedesk.migrations.0002_starter_types_and_templates").load(
            apps, None
        )
    account = factories.account(world, name="Phạm Thị Cúc", phone="+84912345678")
    portal_login(account)
    lead = staff(unit=world["teams"][0], role=StaffRole.MANAGER, username="truongdoi.nk")
    worker = staff(unit=world["teams"][0], role=StaffRole.OPERATOR, username="tho.dien")
    device = totp_device(worker)
    photo = tmp_path / "cong-to.jpg"
    Image.new("RGB", (1200, 900), (30, 90, 160)).save(photo, format="JPEG")
    return {"account": account, "lead": lead, "worker": worker, "device": device, "photo": str(photo)}


def _page(browser, live_server):  # noqa: F811
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, locale="vi-VN", base_url=live_server.url
    )
    page = context.new_page()
    page.csp_errors = collect_csp_errors(page)
    return context, page


def test_from_a_customers_request_to_the_field_teams_closing_and_the_survey(desk, browser, live_server):  # noqa: F811
    account = desk["account"]
    context, page = _page(browser, live_server)
    sign_in(page, account.code)
    page.get_by_role("link", name="Gửi yêu cầu mới").first.click()
    page.get_by_role("link", name="Kiểm tra hoặc di dời công tơ").click()
    page.get_by_label("Số điện thoại liên hệ").fill("0912345678")
    page.get_by_label("Mô tả yêu cầu").fill("Công tơ chạy nhanh bất thường")
    page.set_input_files("#photos", desk["photo"])
    assert serious_violations(page) == []
    page.get_by_role("button", name="Gửi yêu cầu").click()
    page.wait_for_selector("#request-steps")
    request = ServiceRequest.objects.get()
    assert request.number in page.content() and request.attachments.count() == 1
    context.close()

    services.request_assign(request=request, assignee=desk["worker"], by=desk["lead"], now=timezone.now())

    context, field = _page(browser, live_server)
    field.goto("/backoffice/login/?next=/backoffice/field/")
    field.fill("#id_username", "tho.dien")
    field.fill("#id_password", STAFF_PASSWORD)
    field.fill("#id_otp_token", current_code(desk["device"]))
    field.locator("input[type=submit]").click()
    field.wait_for_url("**/backoffice/field/")
    assert field.evaluate("document.documentElement.scrollWidth") <= 360
    field.get_by_role("link", name="Kiểm tra hoặc di dời công tơ").click()
    field.get_by_role("button", name="Bắt đầu").click()
    field.wait_for_selector("text=Bắt đầu lúc")
    assert WorkOrder.objects.get().state == WorkOrder.State.STARTED
    assert serious_violations(field) == []
    tall = field.evaluate(
        "[...document.querySelectorAll('button, textarea, input[type=text]')].every(e => e.getBoundingClientRect().height >= 48)"
    )
    assert tall

    field.get_by_label("Công việc đã làm").fill("Kiểm tra công tơ, siết lại đầu cốt")
    field.get_by_label("Vật tư đã dùng").fill("2 đầu cốt")
    field.set_input_files("#photos", desk["photo"])
    field.get_by_label("Khách hàng đã xác nhận").check()
    field.get_by_label("Tên người xác nhận").fill("Phạm Thị Cúc")
    context.set_offline(True)
    field.get_by_role("button", name="Hoàn thành").click()
    field.wait_for_selector("#sync-status:not([hidden])")
    assert "Chưa có mạng" in field.locator("#sync-status").text_content()
    assert ServiceRequest.objects.get().state == RequestState.IN_PROGRESS  # nothing reached the server
    context.set_offline(False)
    from playwright.sync_api import expect

    expect(field.locator("#sync-status")).to_contain_text("Đã gửi", timeout=10_000)
    order = WorkOrder.objects.get()
    assert order.state == WorkOrder.State.DONE and order.customer_confirmed and order.attachments.count() == 1
    assert ServiceRequest.objects.get().state == RequestState.CLOSED
    assert field.csp_errors == []
    context.close()

    context, page = _page(browser, live_server)
    sign_in(page, account.code)
    page.goto(f"/requests/{request.number}/")
    page.get_by_role("link", name="Quý khách hài lòng đến đâu?").click()
    page.get_by_label("4 — Hài lòng").check()
    page.get_by_label("Góp ý thêm (không bắt buộc)").fill("Thợ đến đúng giờ")
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_selector("#survey-thanks")
    survey = ServiceRequest.objects.get().survey
    assert (survey.score, survey.comment) == (4, "Thợ đến đúng giờ")
    assert serious_violations(page) == [] and page.csp_errors == []
    context.close()
