"""One flow in a real Chromium: a team manager plans an activity, records what was done, and reads it in the report."""


import importlib

import pytest
from django.apps import apps

from gridcare.campaigns.models import Activity
from gridcare.org.models import StaffRole
from tests.backoffice.builders import staff, verified_login
from tests.campaigns.builders import campaign
from tests.portal.test_browser import browser  # noqa: F401 (the Chromium fixture)

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
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN", base_url=live_server.url)
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
    assert team.name in table and "3.000.000 ₫" in table and "4.000.000 ₫" in table and "75 %" in table  # 6 of 8, 18 of 24
    with desk.expect_download() as download:
        desk.click("#campaign-report-xlsx")
    assert download.value.suggested_filename == f"tri-an-2025-{team.code}.xlsx"
