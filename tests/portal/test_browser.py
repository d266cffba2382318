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
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, locale="vi-VN", base_url=live_server.url
    )
    page = context.new_page()
    foreign = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(live_server.url) else foreign.append(request.url),
    )
    page.foreign_requests = foreign
    page.csp_errors = collect_csp_errors(page)
    yield page
    context.close()


def collect_csp_errors(page):
    """Console messages in which the browser refused something under the Content-Security-Policy."""
    errors = []

    def seen(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(f"{message.location.get('url', '')}: {message.text}")

    page.on("console", seen)
    return errors


def serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


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
    assert page.csp_errors == []


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
    assert page.evaluate(
        "[...document.querySelectorAll('.table-scroll')].some(el => el.scrollWidth > el.clientWidth)"
    )
    assert serious_violations(page) == []
    page.goto("/")
    assert page.locator("html").get_attribute("class") == "text-large"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.csp_errors == []


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
    assert page.csp_errors == []


@pytest.fixture
def push_key(settings):
    """A VAPID key, so that the notifications page loads its push script too."""
    import base64

    from py_vapid import Vapid

    vapid = Vapid()
    vapid.generate_keys()
    raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    settings.GRIDCARE_VAPID_PRIVATE_KEY = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
def billed_account(customer_account):
    import datetime as dt
    import importlib

    from django.apps import apps

    from gridcare.billing import services
    from gridcare.billing.models import Bill

    # The tariff catalogue is migration data, which the transactional tests before this one flushed.
    catalogue = importlib.import_module("gridcare.tariffs.migrations.0002_catalogue")
    if not apps.get_model("tariffs", "TariffVersion").objects.exists():
        catalogue.load(apps, None)
    now = dt.datetime(2025, 7, 20, 9, 0, tzinfo=dt.UTC)
    # May is the cutover (gridcare takes over from the previous system, whose last reading opens the bill);
    # June is an ordinary month after it, issued without review.
    for period, cutover in ((dt.date(2025, 5, 1), True), (dt.date(2025, 6, 1), False)):
        run = services.bill_run_create(period=period, route=None, now=now, cutover=cutover)
        services.bill_run_execute(run=run, now=now)
    bill = (
        Bill.objects.filter(account=customer_account).exclude(status=Bill.Status.HELD).order_by("pk").first()
    )
    assert bill is not None, "the fixture account's June bill is issued"
    return customer_account, bill


def test_every_portal_page_runs_under_the_content_security_policy(billed_account, push_key, phone):
    account, bill = billed_account
    page = phone
    response = page.goto("/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "camera=()" in response.headers["permissions-policy"]
    sign_in(page, account.code)
    pages = ["/", f"/accounts/{account.code}/", f"/accounts/{account.code}/notifications/", "/offline/",
             "/login/otp/", "/accounts/NOBODY/", "/api/v1/docs/"]  # fmt: skip
    pages.append(f"/accounts/{account.code}/bills/{bill.number}/")
    for path in pages:
        response = page.goto(path)
        assert "content-security-policy" in response.headers, path
        page.wait_for_load_state("load")
    assert page.csp_errors == []
    # The collector does see a refusal: an inline style attribute added to the page is refused and reported.
    page.goto("/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_timeout(200)
    assert page.csp_errors and "inline style" in page.csp_errors[0]


@pytest.fixture
def administrator():
    from tests.backoffice.builders import superuser, totp_device

    return totp_device(superuser())


def test_the_back_office_runs_under_the_content_security_policy(
    billed_account, administrator, browser, live_server
):
    from tests.backoffice.builders import PASSWORD as STAFF_PASSWORD
    from tests.backoffice.builders import current_code

    device = administrator
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    errors = collect_csp_errors(page)
    page.goto("/backoffice/login/")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.fill("input[name=otp_token]", current_code(device))
    page.locator("input[type=submit]").first.click()
    page.wait_for_url("**/backoffice/")
    _account, bill = billed_account
    pages = ["/backoffice/", "/backoffice/customers/account/", "/backoffice/customers/account/add/",
             "/backoffice/notifications/outboxmessage/", "/backoffice/notifications/outboxmessage/reachability/",
             "/backoffice/2fa/"]  # fmt: skip
    pages.append(f"/backoffice/billing/bill/{bill.pk}/document/")  # the bill's own page, with its style sheet
    for path in pages:
        response = page.goto(path)
        assert response.status == 200, path
        assert "content-security-policy" in response.headers
    # The admin's own scripts still run: the sidebar filter and the action bar are JavaScript.
    page.goto("/backoffice/customers/account/")
    assert page.evaluate("typeof window.django !== 'undefined'")
    context.close()
    assert errors == []
