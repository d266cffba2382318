"""The back office in a real Chromium at 1366×768: no list column is cut off, no raw internal name is shown.

A column is cut off when the content is wider than its box (`scrollWidth > clientWidth`): Django's admin then
hides the rest of the table behind a scroll bar of the results box, or the page scrolls sideways. The pages are
filled with long texts (a long provider error, long names and addresses) as the demo and real data have them.
"""

import pytest

from gridcare.org.models import StaffRole
from tests import factories
from tests.backoffice import workbench
from tests.backoffice.builders import staff, verified_login
from tests.backoffice.test_labels import raw_choice_values, raw_names_in
from tests.portal.test_browser import browser  # noqa: F401 (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1366, 768
LONG_ERROR = (
    "Nhà cung cấp SMS từ chối: số thuê bao không tồn tại hoặc đã bị khoá hai chiều, vui lòng kiểm tra lại số "
    "điện thoại của khách hàng trước khi gửi lại (mã lỗi của nhà cung cấp: SUBSCRIBER_ABSENT_OR_BLOCKED_0x1F)"
)


@pytest.fixture
def office(world, client):
    """A team with long names and errors in its lists, and a manager's signed-in session cookie."""
    team = world["teams"][0]
    for i in range(4):
        account = factories.account(
            world, team=team, phone=f"+8491234{i:04d}",
            name=f"Công ty Trách nhiệm Hữu hạn Một thành viên Thương mại Dịch vụ Nông sản Đồng bằng số {i}",
        )  # fmt: skip
        workbench.bill(account, total=12_345_678 + i)
        held = workbench.bill(
            account, status="held", total=23_456_789, period=workbench.this_month().replace(year=2025)
        )
        held.hold_reason = (
            "Điện năng tăng 250% so với kỳ trước (kỳ này 1.250 kWh, kỳ trước 357 kWh): cần kiểm tra chỉ số"
        )
        held.save(update_fields=["hold_reason"])
        message = workbench.message(account, status="failed")
        message.last_error = LONG_ERROR
        message.address = "+84912340000"
        message.save(update_fields=["last_error", "address"])
    workbench.reading_import(team)
    verified_login(client, staff(unit=team, role=StaffRole.MANAGER))
    return client.cookies["sessionid"].value


@pytest.fixture
def desk(office, browser, live_server):  # noqa: F811 (data first: written before Playwright starts its loop)
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, locale="vi-VN", base_url=live_server.url
    )
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": "sessionid", "value": office, "domain": host, "path": "/"}])
    page = context.new_page()
    yield page
    context.close()


CUT = """() => {
  const boxes = [document.documentElement, document.querySelector('#content'), ...document.querySelectorAll(
    '#content-main, #changelist .results, .workday-queues, .workday-figures, .overview-card')];
  return boxes.filter(el => el && el.scrollWidth > el.clientWidth + 1)
              .map(el => `${el.id || el.className || el.tagName}: ${el.scrollWidth} > ${el.clientWidth}`);
}"""


@pytest.mark.parametrize(
    "path", ["/backoffice/", "/backoffice/notifications/outboxmessage/", "/backoffice/billing/bill/"]
)
def test_no_column_is_cut_off_and_no_raw_name_shows_at_1366(desk, path):
    desk.goto(path)
    assert desk.locator("#content").is_visible()
    assert desk.evaluate(CUT) == []
    text = desk.evaluate("document.querySelector('#content').innerText")
    assert raw_names_in(text, raw_choice_values()) == []
