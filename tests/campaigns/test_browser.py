"""One flow in a real Chromium: a team manager plans an activity, records what was done, and reads it in the report."""

import importlib

import pytest
from django.apps import apps

from gridcare.campaigns.models import Activity
from gridcare.org.models import StaffRole
from tests.backoffice.builders import staff, verified_login
from tests.campaigns.builders import campaign
from tests.portal.test_browser import browser, phone  # noqa: F401 (the Chromium fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager_session(world, client):
    # A transactional test before this one flushed the catalogue its migration seeds: load it again.
    importlib.import_module("gridcare.campaigns.migrations.0002_activity_catalogue").load(apps, None)
    campaign(world)
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.MANAGER, username="quanly.ninhkieu"))
    return client.cookies["sessionid"].value


@pytest.fixture
def desk(manager_session, browser, live_server):  # noqa: F811 (data first: written before Playwright starts its loop)
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="vi-VN", base_url=live_server.url
    )
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": "sessionid", "value": manager_session, "domain": host, "path": "/"}])
    page = context.new_page()
    yield page
    context.close()


def _save(page):
    with page.expect_navigation(wait_until="load"):
        page.click("input[name=_save]")


def test_from_planning_an_activity_to_its_report(desk, world):
    team = world["teams"][0]
    desk.goto("/backoffice/campaigns/activity/add/")
    desk.select_option("#id_campaign", label="Tháng tri ân khách hàng năm 2025")
    desk.select_option("#id_unit", label=team.name)
    desk.select_option("#id_kind", label="Thay đèn cũ bằng đèn LED tiết kiệm điện")
    desk.fill("#id_title", "Thay đèn LED cho hộ nghèo Ninh Kiều")
    desk.fill("#id_starts_on", "10/11/2025")
    desk.fill("#id_ends_on", "20/12/2025")
    desk.fill("#id_households", "8")
    desk.fill("#id_lamps", "24")
    desk.fill("#id_budget_vnd", "4000000")
    desk.fill("#id_blood_units", "2")  # not a measure of LED replacement: refused, input kept
    _save(desk)
    assert "không áp dụng" in " ".join(desk.locator(".errorlist").all_inner_texts())
    assert desk.input_value("#id_title") == "Thay đèn LED cho hộ nghèo Ninh Kiều"
    desk.fill("#id_blood_units", "0")
    _save(desk)
    desk.wait_for_selector(".messagelist .success")
    planned = Activity.objects.get(title="Thay đèn LED cho hộ nghèo Ninh Kiều")
    assert planned.state == "planned" and planned.households == 8

    desk.goto("/backoffice/campaigns/activityrecord/add/")
    desk.select_option("#id_activity", label="Thay đèn LED cho hộ nghèo Ninh Kiều")
    desk.fill("#id_done_on", "05/12/2025")
    desk.fill("#id_households", "6")
    desk.fill("#id_lamps", "18")
    desk.fill("#id_budget_vnd", "3000000")
    desk.fill("#id_note", "Thay 18 bóng LED 9 W")
    _save(desk)
    desk.wait_for_selector(".messagelist .success")
    planned.refresh_from_db()
    assert planned.state == "in_progress"

    desk.goto(f"/backoffice/campaigns/activity/report/?year=2025&unit={team.pk}")
    table = desk.inner_text("#campaign-rollup")
    assert (
        team.name in table and "3.000.000 ₫" in table and "4.000.000 ₫" in table and "75 %" in table
    )  # 6 of 8, 18 of 24
    with desk.expect_download() as download:
        desk.click("#campaign-report-xlsx")
    assert download.value.suggested_filename == f"tri-an-2025-{team.code}.xlsx"


@pytest.fixture
def public_pages(world):
    """The 2025 results (a done record) and a blood drive open to the public next week, under a running campaign."""
    import datetime as dt

    from django.utils import timezone

    from gridcare.campaigns import services
    from gridcare.campaigns.models import Campaign
    from tests.campaigns.builders import NOW, activity, kind

    importlib.import_module("gridcare.campaigns.migrations.0002_activity_catalogue").load(apps, None)
    lead = staff(unit=world["teams"][0], role=StaffRole.MANAGER)
    wiring = activity(
        lead, campaign(world), world["teams"][0], "poor-household-wiring", households=4, budget_vnd=8_000_000
    )
    services.activity_record_add(
        user=lead, activity=wiring, done_on=dt.date(2025, 12, 3), now=NOW, quantities={"households": 3}
    )
    today = timezone.localdate()
    running = Campaign.objects.create(
        year=today.year + 10, name="Tháng tri ân đang diễn ra", unit=world["corporation"], active_from=today - dt.timedelta(days=5),
        active_to=today + dt.timedelta(days=30), latest_end=today + dt.timedelta(days=40), anniversary_on=today, opened_at=timezone.now(),
    )  # fmt: skip
    held = today + dt.timedelta(days=7)
    blood = services.activity_plan(user=lead, campaign=running, unit=world["teams"][0], kind=kind("blood-drive"), title="Hiến máu",
                                   starts_on=held, ends_on=held, now=timezone.now(), targets={"blood_units": 50})  # fmt: skip
    drive = services.blood_drive_plan(
        user=lead, activity=blood, place="Hội trường Đội Ninh Kiều", held_on=held
    )
    return {"drive": drive}


def test_the_public_pages_pass_axe_at_360_px(public_pages, phone):  # noqa: F811 (data first, then the phone)
    from tests.portal.test_browser import assert_fits_a_phone, serious_violations

    for url in ("/tri-an/2025/", f"/hien-mau/{public_pages['drive'].pk}/"):
        response = phone.goto(url)
        assert response.status == 200, url
        assert serious_violations(phone) == [], url
        assert_fits_a_phone(phone)
    # A refused registration (no consent) shows its errors; the page with them passes too.
    phone.fill("#blood-name", "Nguyễn Văn A")
    phone.fill("#blood-phone", "0912345678")
    with phone.expect_navigation(wait_until="load"):
        phone.get_by_role("button", name="Đăng ký").click()
    assert (
        phone.locator("#blood-consent-error").count() == 1
        and phone.input_value("#blood-name") == "Nguyễn Văn A"
    )
    assert serious_violations(phone) == []
    assert_fits_a_phone(phone)
    assert phone.foreign_requests == []
