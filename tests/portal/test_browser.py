"""The portal in a real Chromium at 360×640: sign in, read the chart, toggle numbers, switch language, axe.

Debian's /usr/bin/chromium is driven through Playwright's sync API. Without it these tests skip,
unless GRIDCARE_REQUIRE_BROWSER=1 (CI), where they fail. Tests ask for their data fixtures before
`phone`, so that records are written before Playwright's event loop starts (otherwise the ORM opens a
second connection in the loop's context, which outlives the test on PostgreSQL).
"""

import os
import shutil

import pytest

from tests.portal.builders import PASSWORD

CHROMIUM = os.environ.get("GRIDCARE_CHROMIUM", "/usr/bin/chromium")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(monkeypatch):
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM}"
        if os.environ.get("GRIDCARE_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN", base_url=live_server.url)
    page = context.new_page()
    foreign = []
    page.on("request", lambda request: None if request.url.startswith(live_server.url) else foreign.append(request.url))
    page.foreign_requests = foreign
    yield page
    context.close()


def serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in violations if v["impact"] in ("serious", "critical")]


def assert_fits_a_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert float(page.evaluate("getComputedStyle(document.body).fontSize").removesuffix("px")) >= 16
    small = page.evaluate(
        """() => [...document.querySelectorAll('button, summary, input, .card-link, .breadcrumb a')]
              .filter(el => el.offsetParent !== null)
              .map(el => [el.textContent.trim() || el.name, el.getBoundingClientRect().height])
              .filter(([, h]) => h < 44)"""
    )
    assert small == []


def sign_in(page, code):
    page.goto("/login/")
    page.get_by_label("Mã khách hàng").fill(code)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_customer_signs_in_reads_the_chart_and_the_numbers_on_a_phone(customer_account, phone):
    page = phone
    page.goto("/login/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert serious_violations(page) == []
    assert_fits_a_phone(page)

    sign_in(page, customer_account.code.lower())
    page.get_by_role("link", name=customer_account.code).click()
    page.wait_for_url(f"**/accounts/{customer_account.code}/")
    chart = page.locator("svg#consumption-chart")
    assert chart.is_visible()
    assert chart.locator(".chart-series-0 rect").count() == 24
    assert chart.locator(".chart-series-1 rect").count() == 24

    table = page.locator("#chart-numbers table")
    assert not table.is_visible()
    page.get_by_text("Xem số liệu").click()
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 24
    assert serious_violations(page) == []
    assert_fits_a_phone(page)
    assert page.foreign_requests == []


def test_language_and_text_size_switches_work_and_persist(customer_account, phone):
    page = phone
    sign_in(page, customer_account.code)
    page.goto(f"/accounts/{customer_account.code}/")
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")
    assert page.get_by_text("Show numbers").is_visible()
    assert page.get_by_role("heading", name="Monthly consumption").is_visible()
    assert serious_violations(page) == []

    before = page.evaluate("getComputedStyle(document.body).fontSize")
    page.get_by_role("button", name="Larger text: off").click()
    page.wait_for_selector("html.text-large")
    after = page.evaluate("getComputedStyle(document.body).fontSize")
    assert float(after.removesuffix("px")) > float(before.removesuffix("px"))
    assert_fits_a_phone(page)
    # Larger English text makes the tables wider than the phone: a region that scrolls must take focus.
    assert page.evaluate("[...document.querySelectorAll('.table-scroll')].some(el => el.scrollWidth > el.clientWidth)")
    assert serious_violations(page) == []
    page.goto("/")
    assert page.locator("html").get_attribute("class") == "text-large"
    assert page.locator("html").get_attribute("lang") == "en"


def test_last_account_page_can_be_read_offline(customer_account, phone):
    page = phone
    sign_in(page, customer_account.code)
    page.goto(f"/accounts/{customer_account.code}/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # The first visit installed the worker; the second, now under its control, is remembered.
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function("caches.open('gc-pages').then(c => c.keys()).then(k => k.length === 1)")
    page.context.set_offline(True)
    page.reload()
    assert page.get_by_role("heading", name=customer_account.code).is_visible()
    page.goto("/")
    assert page.locator("svg#consumption-chart").is_visible()
