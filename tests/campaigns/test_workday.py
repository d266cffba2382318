"""The month's queues on the workday page: counted for the unit and below, linked to the lists they count, shown only
while a campaign runs, at a fixed number of queries, and nothing of them for another team."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from gridcare.backoffice import workday
from gridcare.campaigns import services
from gridcare.campaigns.models import Campaign
from gridcare.org.models import StaffRole
from tests.backoffice.builders import staff, verified_login
from tests.backoffice.test_workday import PAGE_QUERIES, _queues
from tests.campaigns.builders import kind

pytestmark = pytest.mark.django_db

DUE, LATE = "Hoạt động đã đến ngày, chưa bắt đầu", "Hoạt động quá ngày kết thúc, chưa hoàn thành"
DRIVES, NO_PHOTO = "Đợt hiến máu đã tổ chức, chưa tổng kết", "Kết quả chưa có ảnh"


def _png(name="anh.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def running_campaign(world) -> Campaign:
    """A campaign under way today (the page reads the clock), 40 days long."""
    today = timezone.localdate()
    return Campaign.objects.create(
        year=today.year, name="Tháng tri ân", unit=world["corporation"], active_from=today - dt.timedelta(days=20),
        active_to=today + dt.timedelta(days=20), latest_end=today + dt.timedelta(days=40), anniversary_on=today, opened_at=timezone.now(),
    )  # fmt: skip


def populate(user, camp, team, *, rows: int) -> None:
    """`rows` of each queue for `team`, plus rows that are in none (not yet due, with a photo, summed up)."""
    today, now = timezone.localdate(), timezone.now()
    day = lambda n: today + dt.timedelta(days=n)  # noqa: E731

    def plan(code, start, end, **targets):
        return services.activity_plan(user=user, campaign=camp, unit=team, kind=kind(code), title=code, starts_on=start, ends_on=end,
                                      now=now, targets=targets)  # fmt: skip

    for _ in range(rows):
        plan("visits-gifts", day(-5), day(5), count=3)  # due
        late = plan("visits-gifts", day(-10), day(-1), count=3)
        services.activity_record_add(
            user=user, activity=late, done_on=day(-3), now=now, quantities={"count": 1}
        )  # late, no photo
        # held two days ago, not summed up; its activity was never started either, so it is also due
        drive = services.blood_drive_plan(user=user, activity=plan("blood-drive", day(-6), day(5), blood_units=10), place="Hội trường",
                                          held_on=day(-2))  # fmt: skip
        assert drive.closed_at is None
    plan("visits-gifts", day(3), day(8), count=1)  # not due yet
    shown = plan("visits-gifts", day(-4), day(6), count=1)
    services.activity_record_add(
        user=user, activity=shown, done_on=day(-1), now=now, quantities={"count": 1}, uploads=[_png()]
    )
    closed = services.blood_drive_plan(
        user=user, activity=plan("blood-drive", day(-9), day(3), blood_units=5), place="Sân", held_on=day(-8)
    )
    services.blood_drive_close(user=user, drive=closed, now=now)


@pytest.fixture
def season(world):
    team_a, team_b = world["teams"]
    camp = running_campaign(world)
    lead = staff(unit=team_a, role=StaffRole.MANAGER)
    populate(lead, camp, team_a, rows=2)
    return {"camp": camp, "lead": lead, "team_a": team_a, "team_b": team_b}


def test_a_team_lead_sees_the_campaigns_queues_of_its_unit_linked_to_what_they_count(client, world, season):
    verified_login(client, season["lead"])
    queues = _queues(client.get("/backoffice/").content.decode())
    # By hand: two of each queue were made, and the two drives' activities are due too (planned, their day has come);
    # the one started with a photo, the one not yet due and the drive summed up are in none.
    expected = {DUE: 4, LATE: 2, DRIVES: 2, NO_PHOTO: 2}
    assert {label: queues[label] for label in expected} == {label: str(n) for label, n in expected.items()}
    for queue in workday.queues(user=season["lead"], now=timezone.now()):
        if queue.area != "Tháng tri ân khách hàng":
            continue
        listing = client.get(queue.url)
        assert (
            listing.status_code == 200
            and listing.context["cl"].result_count == queue.count == expected[queue.label]
        ), queue.label


def test_the_company_sees_its_teams_rows_and_another_team_sees_none_of_them(client, world, season):
    verified_login(client, staff(unit=world["company"], role=StaffRole.VIEWER))
    assert _queues(client.get("/backoffice/").content.decode())[DUE] == "4"
    client.logout()
    other = staff(unit=season["team_b"], role=StaffRole.MANAGER)
    verified_login(client, other)
    queues = _queues(client.get("/backoffice/").content.decode())
    assert (queues[DUE], queues[LATE], queues[DRIVES], queues[NO_PHOTO]) == ("0", "0", "0", "0")
    for queue in workday.queues(user=season["lead"], now=timezone.now()):
        if queue.area == "Tháng tri ân khách hàng":
            assert client.get(queue.url).context["cl"].result_count == 0, queue.label


def test_no_campaign_queue_outside_a_running_campaign(client, world, season):
    today = timezone.localdate()  # the campaign ended yesterday, extensions included
    Campaign.objects.filter(pk=season["camp"].pk).update(active_from=today - dt.timedelta(days=60), active_to=today - dt.timedelta(days=9),
                                                         latest_end=today)  # fmt: skip
    verified_login(client, season["lead"])
    assert DUE not in _queues(client.get("/backoffice/").content.decode())


@pytest.mark.parametrize("rows", [1, 5])
def test_the_page_costs_four_queries_more_in_season_whatever_the_rows(client, world, rows):
    team = world["teams"][0]
    lead = staff(unit=team, role=StaffRole.MANAGER)
    populate(lead, running_campaign(world), team, rows=rows)
    verified_login(client, lead)
    with CaptureQueriesContext(connection) as page:
        assert client.get("/backoffice/").status_code == 200
    # Off season the campaigns cost one query (is one running?); in season three more: activities (due and late in
    # one aggregate), blood drives to sum up, results without a photo.
    assert len(page.captured_queries) == PAGE_QUERIES + 3
