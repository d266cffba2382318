"""The reliability dashboard: hand-computed indices of a team's month, and another team sees nothing of it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from gridcare.org.models import StaffRole
from gridcare.outages.models import OutageKind, OutageStatus
from tests import factories
from tests.backoffice.builders import staff, superuser, verified_login
from tests.outages.schedule_builders import outage

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "/backoffice/reliability/"


def last_month():
    first = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return first.year, first.month


def at(day, hour, minute=0):
    year, month = last_month()
    return dt.datetime(year, month, day, hour, minute, tzinfo=HCM)


def restored(
    world, *, start, end, customers, kind=OutageKind.INCIDENT, team=0, notice_days=7, place="khu vực A"
):
    return outage(
        world, kind=kind, status=OutageStatus.RESTORED, unit=world["teams"][team], start=start, end=end,
        started_at=start, restored_at=end, customers=customers, place=place,
        published_at=start - dt.timedelta(days=notice_days),
    )  # fmt: skip


@pytest.fixture
def recorded(world):
    """Team A serves 4 customers, team B 2. Last month, hand-computed for team A (4 served):
    planned 08:00–10:00 × 2 (told 7 days ahead), incident 3 min × 4 (momentary), incident 30 min × 1,
    planned 08:00–09:00 × 4 (told 3 days ahead) → CI 7, CMI 240 + 30 + 240 = 510:
    SAIFI 1.75, SAIDI 127.5, CAIDI 72.857, MAIFI 1; without planned SAIFI 0.25, SAIDI 7.5, CAIDI 30; notice 50 %.
    Team B: one incident of 60 min × 2 → SAIFI 1, SAIDI 60."""
    for _ in range(4):
        factories.account(world)
    for _ in range(2):
        factories.account(world, team=world["teams"][1])
    restored(world, kind=OutageKind.PLANNED, start=at(10, 8), end=at(10, 10), customers=2, notice_days=7)
    restored(world, start=at(12, 14), end=at(12, 14, 3), customers=4)
    restored(world, start=at(15, 9), end=at(15, 9, 30), customers=1)
    restored(world, kind=OutageKind.PLANNED, start=at(20, 8), end=at(20, 9), customers=4, notice_days=3)
    restored(world, start=at(11, 9), end=at(11, 10), customers=2, team=1, place="ấp của đội B")


def month_row(html):
    year, month = last_month()
    start = html.index(f'<th scope="row">{month:02d}/{year}</th>')
    return html[start : html.index("</tr>", start)]


def cells(row):
    import re

    return re.findall(r"<td>([^<]*)</td>", row)


def test_a_team_reads_its_hand_computed_month(client, world, recorded):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert cells(month_row(html)) == [
        "4",
        "4",  # interruptions, customers served
        "1,75",
        "127,5",
        "72,857",
        "1",  # with planned
        "0,25",
        "7,5",
        "30",
        "1",  # without planned
        "2",
        "50%",
    ]
    assert 'id="saidi-chart"' in html and 'id="saifi-chart"' in html
    assert "Đội QLĐ Phong Điền" not in html  # the other team is not even a choice


def test_another_teams_staff_see_nothing_of_it(client, world, recorded):
    verified_login(client, staff(unit=world["teams"][1], role=StaffRole.MANAGER))
    assert client.get(URL, {"unit": world["teams"][0].pk}).status_code == 404
    html = client.get(URL).content.decode()
    assert cells(month_row(html))[:4] == ["1", "2", "1", "60"]
    for theirs in ("127,5", "1,75", "Đội QLĐ Ninh Kiều"):
        assert theirs not in html


def test_the_company_sees_its_teams_together(client, world, recorded):
    verified_login(client, staff(unit=world["company"], role=StaffRole.VIEWER))
    html = client.get(URL, {"unit": world["company"].pk}).content.decode()
    # 6 customers served; CI 7 + 2 = 9, CMI 510 + 120 = 630 → SAIFI 1.5, SAIDI 105, CAIDI 70.
    assert cells(month_row(html))[:6] == ["5", "6", "1,5", "105", "70", "0,667"]


def test_a_month_without_sustained_interruptions_shows_no_caidi_and_a_bad_month_is_ignored(client, world):
    factories.account(world)
    restored(world, start=at(5, 8), end=at(5, 8, 5), customers=1)  # exactly 5 minutes: momentary
    verified_login(client, superuser())
    response = client.get(URL, {"unit": world["teams"][0].pk, "month": "not-a-month"})
    assert response.status_code == 200
    assert cells(month_row(response.content.decode()))[:6] == ["1", "1", "0", "0", "—", "1"]


def test_anonymous_visitors_and_customers_are_sent_to_sign_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_index_links_the_dashboard_in_the_outages_section(client, world):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    assert 'href="/backoffice/reliability/"' in client.get("/backoffice/").content.decode()
