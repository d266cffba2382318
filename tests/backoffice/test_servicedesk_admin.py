"""The team's queue in the back office: clocks, assigning, closing, counts for the workday page, the report."""

import datetime as dt

import pytest
from django.utils import timezone

from gridcare.org.models import StaffRole
from gridcare.servicedesk import selectors, services
from gridcare.servicedesk.models import RequestState, ServiceRequest
from tests import factories
from tests.backoffice.builders import staff, verified_login
from tests.servicedesk.builders import open_request

QUEUE = "/backoffice/servicedesk/servicerequest/"
# Session, user, OTP device, membership, units, permissions, the page's rows and its filters: none per request.
QUEUE_QUERIES = 14


def _requests(world, count, team=0, now=None):
    now = now or timezone.now()
    return [open_request(factories.account(world, team=world["teams"][team]), now=now) for _i in range(count)]


def test_the_queue_shows_the_clock_of_each_request(client, world):
    now = timezone.now()
    late = open_request(factories.account(world), code="customer-fault", now=now - dt.timedelta(days=10))
    fresh = open_request(factories.account(world), code="new-connection-lv", now=now)
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    page = client.get(QUEUE + "?open=1")
    rows = {r.number: r.clock for r in page.context["cl"].result_list}
    assert rows == {late.number: "breached", fresh.number: "on_time"}
    assert "quá hạn" in page.content.decode()


@pytest.mark.parametrize("count", [1, 12])
def test_the_queue_page_makes_as_many_queries_for_many_requests_as_for_one(
    client, world, django_assert_num_queries, count
):
    _requests(world, count)
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.MANAGER))
    client.get(QUEUE)  # warm the session and permission caches
    with django_assert_num_queries(QUEUE_QUERIES):
        assert client.get(QUEUE).status_code == 200


def test_queue_counts_by_state_and_clock_for_the_users_units(world):
    now = timezone.now()
    mine = _requests(world, 2, now=now)
    _requests(world, 3, team=1, now=now)
    open_request(factories.account(world), code="customer-fault", now=now - dt.timedelta(days=10))
    lead = staff(unit=world["teams"][0], role=StaffRole.MANAGER)
    services.request_assign(request=mine[0], assignee=lead, by=lead, now=now)
    counts = selectors.queue_counts(user=lead, now=now)
    assert counts["new"] == {"on_time": 1, "warning": 0, "breached": 1, "outage": 0, "total": 2}
    assert counts["assigned"]["total"] == 1 and counts["in_progress"]["total"] == 0


def test_a_request_held_by_a_known_outage_is_not_shown_late(client, world):
    from gridcare.outages import services as outage_services

    now = timezone.now()
    incident = outage_services.incident_record(
        unit=world["teams"][0], place="khu vực chợ Tân An", reason="sự cố cáp ngầm", started_at=now - dt.timedelta(days=11),
        estimated_restoration=now + dt.timedelta(hours=2), transformer_stations=[world["stations"][world["teams"][0]]],
        by=None, now=now - dt.timedelta(days=11),
    )  # fmt: skip
    held = open_request(factories.account(world), code="no-power", now=now - dt.timedelta(days=10))
    late = open_request(
        factories.account(world, team=world["teams"][1]), code="no-power", now=now - dt.timedelta(days=10)
    )
    assert held.outage == incident and late.outage is None
    viewer = staff(unit=world["teams"][0].parent, role=StaffRole.VIEWER)
    verified_login(client, viewer)
    page = client.get(QUEUE + "?open=1")
    rows = {r.number: r.clock for r in page.context["cl"].result_list}
    assert rows == {held.number: "outage", late.number: "breached"}
    assert "theo sự cố mất điện" in page.content.decode()
    assert [r.number for r in client.get(QUEUE + "?open=1&clock=breached").context["cl"].result_list] == [
        late.number
    ]
    assert selectors.queue_counts(user=viewer, now=now)["new"] == {
        "on_time": 0, "warning": 0, "breached": 1, "outage": 1, "total": 2}  # fmt: skip
    outage_services.outage_close(outage=incident, by=None, now=now)
    assert {r.number: r.clock for r in client.get(QUEUE + "?open=1").context["cl"].result_list}[
        held.number
    ] != "outage"


def test_the_lead_assigns_from_the_back_office_and_an_operator_cannot(client, world):
    request = _requests(world, 1)[0]
    lead = staff(unit=world["teams"][0], role=StaffRole.MANAGER)
    worker = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    verified_login(client, worker)
    page = client.get(f"{QUEUE}{request.pk}/assign/")
    assert "assign-form" not in page.content.decode()
    client.post(f"{QUEUE}{request.pk}/assign/", {"assign": "1", "assignee": worker.pk, "day": "2025-07-22"})
    assert ServiceRequest.objects.get(pk=request.pk).state == RequestState.NEW
    client.logout()
    verified_login(client, lead)
    client.post(f"{QUEUE}{request.pk}/assign/", {"assign": "1", "assignee": worker.pk, "day": "2025-07-22"})
    request.refresh_from_db()
    assert request.state == RequestState.ASSIGNED and request.assignee == worker


def test_staff_of_another_team_see_and_change_nothing(client, world):
    request = _requests(world, 1, team=1)[0]
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.MANAGER))
    assert client.get(f"{QUEUE}{request.pk}/assign/").status_code == 404
    client.post(f"{QUEUE}{request.pk}/assign/", {"close": "1", "resolution": "x"})
    assert ServiceRequest.objects.get(pk=request.pk).state == RequestState.NEW
    assert request.number not in client.get(QUEUE).content.decode()


def test_managers_see_satisfaction_and_timeliness_with_charts(client, world):
    now = timezone.now()
    lead = staff(unit=world["teams"][0], role=StaffRole.MANAGER)
    for score in (5, 3):
        request = open_request(factories.account(world), now=now - dt.timedelta(hours=2))
        services.request_close(request=request, by=lead, now=now, resolution="xong")
        services.survey_answer(survey=request.survey, score=score, comment="", now=now)
    verified_login(client, lead)
    page = client.get(QUEUE + "report/")
    text = page.content.decode()
    assert page.status_code == 200 and "chart-satisfaction" in text and "<svg" in text
    row = page.context["rows"][0]
    assert (row["closed"], row["on_time"], row["answered"], row["score"]) == (2, 2, 2, "4")
    client.logout()
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    assert client.get(QUEUE + "report/").status_code == 403
