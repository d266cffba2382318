"""The back office opens on the unit's day of work: queues with links, key figures, all through the policy."""

import re

import pytest

from gridcare.backoffice import workday
from gridcare.org.models import StaffRole
from tests.backoffice import workbench
from tests.backoffice.builders import staff, superuser, verified_login


def _queues(html: str) -> dict[str, str]:
    """Queue label -> count shown, as the page prints them."""
    found = re.findall(
        r'<span class="queue-count">([^<]*)</span>\s*<span class="queue-label">([^<]*)</span>', html
    )
    return {label: count for count, label in found}


def _figures(html: str) -> dict[str, str]:
    found = re.findall(r'<p class="figure-label">([^<]*)</p>\s*<p class="figure-value">([^<]*)</p>', html)
    return dict(found)


@pytest.fixture
def two_teams(world):
    team_a, team_b = world["teams"]
    workbench.populate(world, team=team_a, rows=3)
    workbench.populate(world, team=team_b, rows=2)
    return team_a, team_b


def test_a_team_sees_its_queues_and_figures(client, world, two_teams):
    team_a, _ = two_teams
    verified_login(client, staff(unit=team_a, role=StaffRole.MANAGER))
    html = client.get("/backoffice/").content.decode()
    assert _queues(html) == {
        "Hoá đơn chờ kiểm tra": "3",
        "Đợt lập hoá đơn đang chờ hoặc đang chạy": "1",
        "Đợt lập hoá đơn bị lỗi (30 ngày qua)": "3",
        "Lần nhập chỉ số có dòng bị từ chối (30 ngày qua)": "3",
        "Lần nhập chỉ số thất bại (30 ngày qua)": "0",
        "Tin không gửi được (7 ngày qua)": "3",
        "Yêu cầu đã quá hạn": "0",
        "Yêu cầu sắp đến hạn": "0",
        "Đang mất điện, chưa có điện lại": "0",
        "Lịch ngừng cấp điện chưa thông báo": "0",
        "Quá giờ dự kiến có điện lại, chưa đóng": "0",
        "Dòng sao kê chờ khớp": "0",
        "Chênh lệch đối soát chưa xử lý": "0",
    }
    assert _figures(html) == {
        "Hợp đồng đang cấp điện": "3",
        "Chỉ số ghi trong tháng này": "0",
        "Hoá đơn phát hành tháng này": "3",
        "Tổng tiền hoá đơn tháng này": "450.000 ₫",
        "Tin đã gửi tháng này": "3",
    }
    assert "Đội QLĐ Ninh Kiều" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="workday-billed"' in html
    # The app list is still there, below the day's work.
    assert "/backoffice/customers/account/" in html


def test_a_staff_member_of_another_team_sees_none_of_this_teams_counts(client, world, two_teams):
    _, team_b = two_teams
    verified_login(client, staff(unit=team_b, role=StaffRole.MANAGER))
    html = client.get("/backoffice/").content.decode()
    queues = _queues(html)
    assert queues["Hoá đơn chờ kiểm tra"] == "2"
    assert queues["Tin không gửi được (7 ngày qua)"] == "2"
    assert queues["Lần nhập chỉ số có dòng bị từ chối (30 ngày qua)"] == "2"
    assert queues["Đợt lập hoá đơn bị lỗi (30 ngày qua)"] == "2"
    assert _figures(html)["Tổng tiền hoá đơn tháng này"] == "300.000 ₫"
    assert "Đội QLĐ Ninh Kiều" not in html


def test_the_company_sees_both_teams_and_a_superuser_everything(client, world, two_teams):
    verified_login(client, staff(unit=world["company"], role=StaffRole.VIEWER))
    assert _queues(client.get("/backoffice/").content.decode())["Hoá đơn chờ kiểm tra"] == "5"
    client.logout()
    verified_login(client, superuser())
    html = client.get("/backoffice/").content.decode()
    assert _queues(html)["Tin không gửi được (7 ngày qua)"] == "5"
    assert "Mọi đơn vị" in html


def test_each_queue_links_to_the_list_it_counts(client, world, two_teams):
    team_a, _ = two_teams
    user = staff(unit=team_a, role=StaffRole.MANAGER)
    verified_login(client, user)
    from django.utils import timezone

    for queue in workday.queues(user=user, now=timezone.now()):
        response = client.get(queue.url)
        assert response.status_code == 200, queue.url
        # The admin drops a filter it does not allow with ?e=1; the list shows exactly the counted rows.
        assert "?e=1" not in response.get("Location", "")
        assert response.context["cl"].result_count == queue.count, queue.label


def test_a_role_without_a_model_gets_no_queue_of_it(client, world, two_teams):
    team_a, _ = two_teams
    verified_login(client, staff(unit=world["corporation"], role=StaffRole.CATALOGUE))
    html = client.get("/backoffice/").content.decode()
    assert _queues(html) == {}
    assert _figures(html) == {}


# Session, user, two-factor device, membership, permissions (2), units; then one query per queue or figure
# group (held bills, runs, imports, failed messages, contracts, readings, bills by month, messages by month);
# the session's save (savepoint, update, release). Counted by hand from the page's SQL, not from the code.
# Payments' two queues (unmatched statement lines, open reconciliation differences) are one query of two COUNTs: 21.
# 21 + 1: the appreciation month asks whether a campaign is running (its queues cost 3 more in season, tests/campaigns).
PAGE_QUERIES = 22


@pytest.mark.parametrize("rows", [1, 6])
def test_the_page_costs_the_same_queries_for_one_row_or_many(client, world, rows, django_assert_num_queries):
    team = world["teams"][0]
    workbench.populate(world, team=team, rows=rows)
    verified_login(client, staff(unit=team, role=StaffRole.MANAGER))
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get("/backoffice/").status_code == 200


def test_the_service_desk_outage_and_payment_queues_count_their_teams_rows(client, world, two_teams):
    import datetime as dt

    from django.utils import timezone

    from gridcare.outages import services as outage_services
    from gridcare.servicedesk import services as desk
    from gridcare.servicedesk.models import RequestType, ServiceRequest
    from tests import factories

    team_a, team_b = two_teams
    now = timezone.now()
    for team, drafts in ((team_a, 2), (team_b, 1)):
        for i in range(drafts):
            outage_services.outage_plan(
                unit=team, place=f"Nơi {i}", reason="bảo trì", scheduled_start=now + dt.timedelta(days=9),
                scheduled_end=now + dt.timedelta(days=9, hours=2), transformer_stations=[world["stations"][team]],
                by=None, now=now,
            )  # fmt: skip
    account = factories.account(world, team=team_a)
    late = desk.request_open(account=account, request_type=RequestType.objects.get(code="other"), now=now,
                             description="cần giúp")  # fmt: skip
    ServiceRequest.objects.filter(pk=late.pk).update(
        opened_at=now - dt.timedelta(hours=5),
        due_at=now - dt.timedelta(hours=1),
        warn_at=now - dt.timedelta(hours=3),
    )
    verified_login(client, staff(unit=team_a, role=StaffRole.MANAGER))
    queues = _queues(client.get("/backoffice/").content.decode())
    assert queues["Lịch ngừng cấp điện chưa thông báo"] == "2"
    assert queues["Yêu cầu đã quá hạn"] == "1" and queues["Yêu cầu sắp đến hạn"] == "0"
    client.logout()
    verified_login(client, staff(unit=team_b, role=StaffRole.MANAGER))
    queues = _queues(client.get("/backoffice/").content.decode())
    assert queues["Lịch ngừng cấp điện chưa thông báo"] == "1" and queues["Yêu cầu đã quá hạn"] == "0"
