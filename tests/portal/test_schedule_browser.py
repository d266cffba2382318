"""The public schedule in a real Chromium at 360×640: look up a ward without signing in, then read it offline."""

import pytest

from tests.portal.test_browser import assert_fits_a_phone, browser, phone, serious_violations  # noqa: F401 (fixtures)
from tests.portal.test_schedule import places  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_anyone_finds_a_wards_outages_on_a_phone_and_reads_them_offline(places, phone):  # noqa: F811
    page = phone
    page.goto("/schedule/")
    assert page.get_by_role("heading", name="Lịch ngừng cấp điện", exact=True).is_visible()
    page.get_by_label("Tỉnh/thành phố").select_option(label="Cần Thơ")
    page.get_by_role("button", name="Chọn").click()
    page.get_by_label("Phường/xã").select_option(label="Phường Ninh Kiều")
    page.get_by_role("button", name="Xem lịch").click()
    page.wait_for_url("**/schedule/?*commune=*")
    assert page.get_by_role("heading", name="Ngừng cấp điện có kế hoạch: khu vực chợ Ninh Kiều").is_visible()
    assert page.get_by_role("heading", name="Sự cố mất điện: hẻm 51 đường 3/2").is_visible()
    assert page.locator("text=ấp Nhơn Lộc").count() == 0
    assert serious_violations(page) == []
    assert_fits_a_phone(page)
    page.get_by_role("link", name="English").click()
    page.wait_for_selector("html[lang=en]")
    assert page.get_by_role("heading", name="Planned outage: khu vực chợ Ninh Kiều").is_visible()

    # Under the service worker's control, the schedule page seen last is kept and shown without a connection.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function("caches.open('gc-schedule').then(c => c.keys()).then(k => k.length === 1)")
    page.context.set_offline(True)
    page.reload()
    assert page.get_by_role("heading", name="Planned outage: khu vực chợ Ninh Kiều").is_visible()
    page.goto("/schedule/?province=92")
    assert page.get_by_role("heading", name="Planned outage: khu vực chợ Ninh Kiều").is_visible()
    assert page.foreign_requests == []
    assert page.csp_errors == []
