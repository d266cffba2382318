"""Every portal page on a 360-px phone in Debian's Chromium: axe (WCAG 2.2 AA) at normal and larger text, nothing
wider than the screen and no chart text outside its chart, readable without JavaScript, a first visit under
150 KB as WhiteNoise serves it; the daily/30-minute chart with its table and the bill calculator as a customer
uses them.

axe-core comes from npm (a devDependency in package.json, never served: settings only serve "dependencies")
and is evaluated into each page by the test, which the page's Content-Security-Policy does not apply to.
"""

import datetime as dt
import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from whitenoise.compress import Compressor

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.metering.models import IntervalReading, Meter, MeterInstallation
from gridcare.portal.views import SHELL_STATIC
from tests import factories
from tests.portal.test_browser import billed_account, browser, phone, sign_in  # noqa: F401 - fixtures
from tests.processes import once_in_ci

# What a browser shows does not depend on the database: CI runs these once, on SQLite, to keep within its budget.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), once_in_ci("sqlite")]
AXE_JS = settings.NODE_MODULES_DIR / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FIRST_VISIT_BUDGET = 150 * 1024
LAST_DAY = dt.date(2026, 11, 29)  # a Sunday
DAYS = 14


def _intervals(meter, *, wh):
    start = dt.datetime.combine(LAST_DAY - dt.timedelta(days=DAYS - 1), dt.time(0, 0), tzinfo=BUSINESS_TZ)
    IntervalReading.objects.bulk_create(
        IntervalReading(meter=meter, start=start + dt.timedelta(minutes=30 * i), energy_wh=wh(i))
        for i in range(DAYS * 48)
    )


@pytest.fixture
def portal(billed_account, world):  # noqa: F811
    """The household (smart meter, 30-minute data, a bill) and a time-of-use business, one customer owning both."""
    household, bill = billed_account
    if not apps.get_model(
        "tariffs", "TimeOfUseSchedule"
    ).objects.exists():  # (flushed by an earlier transactional test)
        importlib.import_module("gridcare.tariffs.migrations.0002_catalogue").load(apps, None)
    meter = MeterInstallation.objects.get(account=household).meter
    Meter.objects.filter(pk=meter.pk).update(kind=Meter.Kind.SMART)
    _intervals(meter, wh=lambda i: 150 + (i % 48) * 5)
    business = factories.account(world, purpose="business", meter_kind=Meter.Kind.SMART, time_of_use=True)
    type(business).objects.filter(pk=business.pk).update(customer=household.customer)
    _intervals(MeterInstallation.objects.get(account=business).meter, wh=lambda i: 2000 + (i % 48) * 40)
    return {"household": household, "business": business, "bill": bill}


def _urls(portal) -> list[str]:
    home, shop, bill = portal["household"].code, portal["business"].code, portal["bill"].number
    day = LAST_DAY.isoformat()
    return [
        "/", f"/accounts/{home}/", f"/accounts/{home}/bills/{bill}/", f"/accounts/{home}/notifications/",
        f"/accounts/{home}/outages/", f"/accounts/{home}/receipts/", f"/accounts/{home}/pay/", "/requests/", "/requests/new/",
        f"/accounts/{home}/usage/?view=day&date={day}", f"/accounts/{home}/usage/?view=month&date={day}",
        f"/accounts/{shop}/usage/?view=day&date=2026-11-27", f"/accounts/{shop}/usage/?view=week&date={day}",
        f"/accounts/{home}/calculator/", f"/accounts/{home}/calculator/?start=2026-10-05&end=2026-11-04&kwh=250",
        f"/accounts/{home}/calculator/?start=2026-10-05&end=2026-10-01&kwh=abc",
        f"/accounts/{shop}/calculator/?start=2026-10-05&end=2026-11-04&peak=100&normal=300&offpeak=200",
        "/schedule/", "/offline/", "/no-such-page/",
        "/profile/", "/profile/zalo/", "/profile/zalo/oa/", "/profile/contact/email/remove/", "/profile/contact/zalo/remove/",
    ]  # fmt: skip


def axe_violations(page) -> list:
    """The WCAG 2.2 A/AA violations axe-core finds on the page, any impact."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "opts => axe.run(document, opts)", {"runOnly": {"type": "tag", "values": WCAG_22_AA}}
    )
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


CLIPPED = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth) out.push('page is ' + document.documentElement.scrollWidth + ' px wide');
  for (const svg of document.querySelectorAll('svg.chart')) {
    const box = svg.getBoundingClientRect();
    for (const el of svg.querySelectorAll('text, rect')) {
      const b = el.getBoundingClientRect();
      if (!b.width) continue;
      if (b.left < box.left - 0.5 || b.right > box.right + 0.5 || b.top < box.top - 0.5 || b.bottom > box.bottom + 0.5
          || b.right > window.innerWidth) out.push(svg.id + ': ' + (el.textContent || el.tagName).slice(0, 40));
    }
  }
  return out;
}"""


@pytest.mark.parametrize("text_size", ["normal", "large"])
def test_every_portal_page_passes_axe_and_fits_a_phone(portal, phone, live_server, text_size):  # noqa: F811
    page = phone
    page.context.add_cookies([{"name": "gc_text", "value": text_size, "url": live_server.url}])
    problems = {}
    for path in ("/login/", "/login/otp/"):
        page.goto(path)
        if found := axe_violations(page) + page.evaluate(CLIPPED):
            problems[path] = found
    sign_in(page, portal["household"].code)
    page.wait_for_url("**/")
    for path in _urls(portal):
        response = page.goto(path)
        assert response.status in (200, 400, 404), path
        if found := axe_violations(page) + page.evaluate(CLIPPED):
            problems[path] = found
    assert problems == {}
    assert page.foreign_requests == [] and page.csp_errors == []
    # The checks do see problems: an image without a text alternative, a chart label pushed past the edge.
    page.goto(f"/accounts/{portal['household'].code}/")
    page.evaluate("""() => { document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="/x.png">');
                            document.querySelector('svg.chart text').setAttribute('x', '400'); }""")
    assert "image-alt" in [v[0] for v in axe_violations(page)]
    assert page.evaluate(CLIPPED) != []


def test_the_daily_chart_shades_peak_hours_and_its_numbers_are_a_tap_away(portal, phone):  # noqa: F811
    page = phone
    shop = portal["business"].code
    sign_in(page, shop)
    page.goto(f"/accounts/{shop}/")
    page.locator("#usage-link").click()
    page.wait_for_url(f"**/accounts/{shop}/usage/")
    assert (
        page.locator("#usage-period").inner_text().startswith("29/11/2026")
    )  # the latest day with data, a Sunday
    assert page.locator("svg#usage-chart .chart-series-0 rect").count() == 48
    assert page.locator("svg#usage-chart [data-band='Cao điểm']").count() == 0  # no peak on Sunday
    page.get_by_role("link", name="Ngày trước").click()
    page.wait_for_url("**date=2026-11-28")
    assert page.locator("svg#usage-chart [data-band='Cao điểm']").count() == 1
    table = page.locator("#usage-numbers table")
    assert not table.is_visible()
    page.get_by_text("Xem số liệu").click()
    assert table.locator("tbody tr").count() == 48
    # 17:30–18:00 is slot 35: 2 000 + 35 × 40 = 3 400 Wh, peak hours under Decision 963.
    assert table.locator("tbody tr").nth(35).inner_text().split("\t") == [
        "17:30–18:00",
        "3,40 kWh",
        "Cao điểm",
    ]
    page.get_by_role("link", name="Tuần", exact=True).click()
    assert page.locator("svg#usage-chart .chart-series-0 rect").count() == 7  # peak, one a day
    assert page.evaluate(CLIPPED) == []


def test_the_calculator_keeps_the_result_in_view_and_explains_bad_input(portal, phone):  # noqa: F811
    page = phone
    home = portal["household"].code
    sign_in(page, home)
    page.goto(f"/accounts/{home}/")
    page.locator("#calculator-link").click()
    page.get_by_label("Từ ngày (ngày ghi chỉ số kỳ trước)").fill("2026-10-05")
    page.get_by_label("Đến ngày (ngày ghi chỉ số kỳ này)").fill("2026-11-04")
    page.get_by_label("Điện năng trong kỳ (kWh)").fill("2.5")
    page.get_by_role("button", name="Tính tiền").click()
    errors = page.locator("#calculator-errors")
    assert errors.is_visible() and _in_view(page, "#calculator-errors")
    assert "Hãy nhập số kWh là một số nguyên" in page.locator("main").inner_text()
    page.get_by_label("Điện năng trong kỳ (kWh)").fill("250")
    page.get_by_role("button", name="Tính tiền").click()
    assert _in_view(page, "#calculator-result")
    assert (
        page.locator("#calculator-total").inner_text() == "636.768 ₫"
    )  # 589 600 + 8 % VAT (test_calculator)
    assert page.locator("#calculator-lines tbody tr").count() == 4


def _in_view(page, selector) -> bool:
    return page.evaluate(
        "s => { const b = document.querySelector(s).getBoundingClientRect(); return b.top >= 0 && b.top < innerHeight; }",
        selector,
    )


def test_pages_are_readable_without_javascript(portal, browser, live_server):  # noqa: F811
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, java_script_enabled=False, base_url=live_server.url
    )
    page = context.new_page()
    home = portal["household"].code
    sign_in(page, home)
    page.goto(f"/accounts/{home}/")
    assert page.locator("svg#consumption-chart").is_visible()
    page.get_by_text("Xem số liệu").click()  # <details> opens without script
    assert page.locator("#chart-numbers table tbody tr").count() == 24
    page.goto(f"/accounts/{home}/usage/?view=month&date={LAST_DAY.isoformat()}")
    page.get_by_text("Xem số liệu").click()
    assert page.locator("#usage-numbers tbody tr").count() == 30
    page.goto(f"/accounts/{home}/calculator/")
    page.get_by_label("Điện năng trong kỳ (kWh)").fill("100")
    page.get_by_role("button", name="Tính tiền").click()
    assert page.locator("#calculator-result").is_visible()
    page.goto("/no-such-page/")
    assert page.get_by_role("heading", name="Không tìm thấy trang này").is_visible()
    context.close()


def _served_size(path: str, body: bytes) -> int:
    """Bytes WhiteNoise sends for a static file: the smaller of Brotli and gzip when either saves 5 %."""
    if not Compressor.should_compress(Compressor(quiet=True), path):
        return len(body)
    sizes = [len(body)]
    for compressed in (Compressor.compress_brotli(body), Compressor.compress_gzip(body)):
        if len(compressed) <= 0.95 * len(body):
            sizes.append(len(compressed))
    return min(sizes)


@pytest.mark.parametrize("signed_in", [False, True], ids=["sign-in page", "account page"])
def test_a_first_visit_weighs_less_than_150_kb(portal, browser, live_server, signed_in):  # noqa: F811
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, base_url=live_server.url, service_workers="block"
    )
    page = context.new_page()
    if signed_in:  # an empty cache, with a session
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": _session(live_server, portal),
                    "url": live_server.url,
                }
            ]
        )
    responses = []
    page.on("response", lambda r: responses.append(r))
    page.goto(f"/accounts/{portal['household'].code}/" if signed_in else "/login/")
    page.wait_for_load_state("networkidle")
    sizes = {}
    for response in responses:
        path = response.url.removeprefix(live_server.url)
        static = path.startswith(settings.STATIC_URL)
        sizes[path] = _served_size(path, response.body()) if static else len(response.body())
    # The service worker (blocked here) then caches the offline page and the shell on the first visit too.
    for asset in SHELL_STATIC:
        path = settings.STATIC_URL + asset
        if path not in sizes:
            sizes[path] = _served_size(path, Path(finders.find(asset)).read_bytes())
    sizes[reverse("portal:offline")] = len(page.request.get(reverse("portal:offline")).body())
    assert sum(sizes.values()) < FIRST_VISIT_BUDGET, json.dumps(sizes, indent=1)
    assert any(p.endswith("portal.css") for p in sizes)
    context.close()


def _session(live_server, portal) -> str:  # noqa: ARG001
    from django.test import Client

    client = Client()
    client.force_login(portal["household"].customer.user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_axe_core_is_a_test_tool_and_never_served():
    assert AXE_JS.is_file(), "npm ci installs the devDependencies (axe-core) for the browser tests"
    assert finders.find("vendor/axe-core/axe.min.js") is None
    assert finders.find("vendor/htmx.org/dist/htmx.min.js") is not None
