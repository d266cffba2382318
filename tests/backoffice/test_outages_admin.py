"""Back office of outages: plan → see the affected and sensitive customers → publish → close; suggestions; scope."""

import datetime as dt

import pytest
from django.utils import timezone

from gridcare.customers.models import Account
from gridcare.notifications.models import Notice, OutboxMessage
from gridcare.org.models import StaffRole
from gridcare.outages import services
from gridcare.outages.models import Outage, OutageReport, OutageStatus
from tests.backoffice.builders import staff, verified_login
from tests.notifications.builders import contact_account


@pytest.fixture
def people(world):
    team_a, team_b = world["teams"]
    return {
        "a1": contact_account(world, phone="+84901000001", team=team_a),
        "a2": contact_account(world, phone="+84901000002", team=team_a),
        "b1": contact_account(world, phone="+84901000003", team=team_b),
    }


def _split(moment: dt.datetime, name: str) -> dict:
    local = timezone.localtime(moment)
    return {f"{name}_0": local.strftime("%Y-%m-%d"), f"{name}_1": local.strftime("%H:%M")}


def _station_outage(world, team, *, days=10):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    return services.outage_plan(
        unit=team, place="TBA của đội", reason="bảo trì", scheduled_start=start, scheduled_end=start + dt.timedelta(hours=3),
        transformer_stations=[world["stations"][team]], by=None, now=timezone.now(),
    )  # fmt: skip


def test_plan_see_the_affected_and_sensitive_then_publish_and_close(client, world, people):
    team_a = world["teams"][0]
    Account.objects.filter(pk=people["a2"].pk).update(sensitive="school")
    operator = staff(unit=team_a, role=StaffRole.OPERATOR)
    verified_login(client, operator)
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=7)
    response = client.post("/backoffice/outages/outage/add/", {
        "kind": "planned", "unit": team_a.pk, "place": "Khu vực trạm Ninh Kiều 1", "reason": "thay máy biến áp",
        "crew": "Tổ 2", **_split(start, "scheduled_start"), **_split(start + dt.timedelta(hours=4), "scheduled_end"),
        "transformer_stations": [world["stations"][team_a].pk], "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0,
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    outage = Outage.objects.get()
    assert outage.status == OutageStatus.DRAFT and outage.created_by == operator
    assert not Notice.objects.exists()
    confirm = client.get(f"/backoffice/outages/outage/{outage.pk}/publish/")
    page = confirm.content.decode()
    assert "2 khách hàng bị ảnh hưởng" in page
    assert (
        people["a2"].code in page
        and "trường học" in page
        and people["a1"].code not in page.split("sensitive-accounts")[1]
    )
    client.post(f"/backoffice/outages/outage/{outage.pk}/publish/")
    outage.refresh_from_db()
    assert outage.status == OutageStatus.PUBLISHED and outage.customers_at_publish == 2
    assert set(OutboxMessage.objects.values_list("account_id", flat=True)) == {
        people["a1"].pk,
        people["a2"].pk,
    }
    client.post(f"/backoffice/outages/outage/{outage.pk}/close/")
    outage.refresh_from_db()
    assert outage.status == OutageStatus.RESTORED and outage.customers_at_close == 2
    assert Notice.objects.filter(key=f"outage:{outage.pk}:restored").get().recipients == 2


def test_a_short_notice_publish_is_refused_with_a_sentence(client, world, people):
    team_a = world["teams"][0]
    verified_login(client, staff(unit=team_a, role=StaffRole.OPERATOR))
    outage = _station_outage(world, team_a, days=2)
    page = client.get(f"/backoffice/outages/outage/{outage.pk}/publish/").content.decode()
    assert "chưa đến 5 ngày" in page
    response = client.post(f"/backoffice/outages/outage/{outage.pk}/publish/", follow=True)
    assert "phải thông báo trước ít nhất 5 ngày" in response.content.decode()
    assert Outage.objects.get(pk=outage.pk).status == OutageStatus.DRAFT and not Notice.objects.exists()


def test_staff_of_another_team_see_and_change_nothing(client, world, people):
    team_a, team_b = world["teams"]
    theirs = _station_outage(world, team_b)
    OutageReport.objects.create(
        account=people["b1"], service_point=people["b1"].service_points.get(), transformer_station=world["stations"][team_b],
        feeder=world["feeder"], reported_at=timezone.now(),
    )  # fmt: skip
    verified_login(client, staff(unit=team_a, role=StaffRole.ADMINISTRATOR))
    assert theirs.pk not in set(
        client.get("/backoffice/outages/outage/").context["cl"].queryset.values_list("pk", flat=True)
    )
    for step in ("publish", "start", "cancel", "close"):
        assert client.get(f"/backoffice/outages/outage/{theirs.pk}/{step}/").status_code == 404
        assert client.post(f"/backoffice/outages/outage/{theirs.pk}/{step}/").status_code == 404
    suggestions = client.get("/backoffice/outages/outage/suggestions/")
    assert suggestions.status_code == 200 and suggestions.context["rows"] == []
    assert (
        client.post(f"/backoffice/outages/outage/suggestions/{world['feeder'].pk}/open/").status_code == 404
    )
    assert Outage.objects.get(pk=theirs.pk).status == OutageStatus.DRAFT
    assert Outage.objects.count() == 1 and not Notice.objects.exists()


def test_a_viewer_sees_but_cannot_publish(client, world, people):
    team_a = world["teams"][0]
    outage = _station_outage(world, team_a)
    verified_login(client, staff(unit=team_a, role=StaffRole.VIEWER))
    assert client.get(f"/backoffice/outages/outage/{outage.pk}/change/").status_code == 200
    assert client.post(f"/backoffice/outages/outage/{outage.pk}/publish/").status_code == 403
    assert Outage.objects.get(pk=outage.pk).status == OutageStatus.DRAFT


def test_one_click_opens_the_suggested_incident(client, world, people):
    team_a = world["teams"][0]
    for who in ("a1", "a2"):
        services.outage_report_file(account=people[who], now=timezone.now() - dt.timedelta(minutes=5))
    verified_login(client, staff(unit=world["company"], role=StaffRole.OPERATOR))
    page = client.get("/backoffice/outages/outage/suggestions/")
    [row] = page.context["rows"]
    assert row["s"].reports == 2 and not row["s"].whole_feeder and row["may_open"]
    response = client.post(row["url"])
    incident = Outage.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/outages/outage/{incident.pk}/change/")
    assert incident.kind == "incident" and list(incident.transformer_stations.all()) == [
        world["stations"][team_a]
    ]
    assert incident.reports.count() == 2 and incident.customers_at_publish == 2
    assert client.get("/backoffice/outages/outage/suggestions/").context["rows"] == []


def test_a_refused_change_says_why_and_changes_nothing(client, world, people):
    team_a = world["teams"][0]
    outage = services.outage_publish(outage=_station_outage(world, team_a), by=None, now=timezone.now())
    verified_login(client, staff(unit=team_a, role=StaffRole.OPERATOR))
    soon = timezone.now() + dt.timedelta(days=1)
    response = client.post(f"/backoffice/outages/outage/{outage.pk}/change/", {
        "place": outage.place, "reason": outage.reason, "crew": "", **_split(soon, "scheduled_start"),
        **_split(soon + dt.timedelta(hours=2), "scheduled_end"), "transformer_stations": [world["stations"][team_a].pk],
        "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 1,
    }, follow=True)  # fmt: skip
    assert "phải thông báo trước ít nhất 5 ngày" in response.content.decode()
    outage.refresh_from_db()
    assert outage.status == OutageStatus.PUBLISHED and outage.scheduled_start > timezone.now() + dt.timedelta(
        days=9
    )
    assert Notice.objects.count() == 1


def test_a_refused_save_shows_the_form_again_with_what_was_typed(client, world, people):
    team_a = world["teams"][0]
    outage = services.outage_publish(outage=_station_outage(world, team_a), by=None, now=timezone.now())
    verified_login(client, staff(unit=team_a, role=StaffRole.OPERATOR))
    soon = timezone.now() + dt.timedelta(days=1)
    response = client.post(f"/backoffice/outages/outage/{outage.pk}/change/", {
        "place": "Nơi mới người dùng gõ", "reason": "thay cột", "crew": "Tổ 3", **_split(soon, "scheduled_start"),
        **_split(soon + dt.timedelta(hours=2), "scheduled_end"), "transformer_stations": [world["stations"][team_a].pk],
        "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 1,
    })  # fmt: skip
    assert response.status_code == 200  # the form again, not a redirect
    form = response.context["adminform"].form
    assert "phải thông báo trước ít nhất 5 ngày" in " ".join(form.errors.get("scheduled_start", []))
    html = response.content.decode()
    assert 'value="Nơi mới người dùng gõ"' in html and 'value="Tổ 3"' in html
    outage.refresh_from_db()
    assert outage.place == "TBA của đội" and outage.status == OutageStatus.PUBLISHED
