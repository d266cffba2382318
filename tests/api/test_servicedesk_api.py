"""Service requests through the API: customers their own, staff their team's, moves by the team."""

from rest_framework.test import APIClient

from gridcare.org.models import StaffRole
from gridcare.servicedesk.models import RequestState, ServiceRequest
from tests import factories
from tests.api.test_accounts_api import token_client
from tests.backoffice.builders import customer_user, staff
from tests.servicedesk.builders import open_request


def _customer_client(account) -> APIClient:
    client = APIClient()
    client.force_authenticate(customer_user(account))
    return client


def test_a_customer_opens_lists_and_reads_their_own(world):
    account = factories.account(world)
    api = _customer_client(account)
    created = api.post("/api/v1/service-requests", {"account_code": account.code, "request_type": "meter-check",
                                                    "fields": {"contact_phone": "0912"}}, format="json")  # fmt: skip
    assert created.status_code == 201, created.json()
    number = created.json()["number"]
    assert [r["number"] for r in api.get("/api/v1/service-requests").json()["results"]] == [number]
    detail = api.get(f"/api/v1/service-requests/{number}").json()
    assert detail["state"] == "new" and [h["to_state"] for h in detail["history"]] == ["new"]
    again = api.post("/api/v1/service-requests", {"account_code": account.code, "request_type": "meter-check",
                                                  "fields": {"contact_phone": "0912"}}, format="json")  # fmt: skip
    assert (
        again.status_code == 409
        and again.json()["code"] == "already_open"
        and again.json()["details"]["number"] == number
    )


def test_missing_fields_are_a_clear_400(world):
    account = factories.account(world)
    response = _customer_client(account).post(
        "/api/v1/service-requests",
        {"account_code": account.code, "request_type": "new-connection-lv"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "missing_fields"
    assert response.json()["details"]["fields"] == ["contact_phone", "requested_kw"]


def test_another_customer_gets_a_404(world):
    theirs = open_request(factories.account(world))
    api = _customer_client(factories.account(world))
    assert api.get(f"/api/v1/service-requests/{theirs.number}").status_code == 404
    assert (
        api.post(
            f"/api/v1/service-requests/{theirs.number}/moves", {"to": "cancelled"}, format="json"
        ).status_code
        == 404
    )
    opened = api.post(
        "/api/v1/service-requests",
        {"account_code": theirs.account.code, "request_type": "other"},
        format="json",
    )
    assert opened.status_code == 404
    assert ServiceRequest.objects.count() == 1


def test_a_team_sees_only_its_requests_and_its_lead_assigns_and_closes(world):
    mine = open_request(factories.account(world, team=world["teams"][0]))
    theirs = open_request(factories.account(world, team=world["teams"][1]))
    lead = staff(unit=world["teams"][0], role=StaffRole.MANAGER, username="truongdoi.a")
    api = token_client(lead)
    listed = {r["number"] for r in api.get("/api/v1/service-requests").json()["results"]}
    assert listed == {mine.number}
    assert api.get(f"/api/v1/service-requests/{theirs.number}").status_code == 404
    moved = api.post(
        f"/api/v1/service-requests/{mine.number}/moves",
        {"to": "assigned", "assignee": "truongdoi.a"},
        format="json",
    )
    assert moved.status_code == 200 and moved.json()["state"] == "assigned"
    assert (
        api.post(
            f"/api/v1/service-requests/{mine.number}/moves", {"to": "in_progress"}, format="json"
        ).json()["state"]
        == "in_progress"
    )
    closed = api.post(
        f"/api/v1/service-requests/{mine.number}/moves",
        {"to": "closed", "resolution": "Đã thay công tơ"},
        format="json",
    )
    assert closed.json()["state"] == "closed"
    bad = api.post(f"/api/v1/service-requests/{mine.number}/moves", {"to": "in_progress"}, format="json")
    assert bad.status_code == 409
    assert ServiceRequest.objects.get(pk=theirs.pk).state == RequestState.NEW


def test_an_operator_cannot_assign(world):
    mine = open_request(factories.account(world))
    operator = staff(unit=world["teams"][0], role=StaffRole.OPERATOR, username="nv.a")
    response = token_client(operator).post(
        f"/api/v1/service-requests/{mine.number}/moves", {"to": "assigned", "assignee": "nv.a"}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_staff_open_a_request_for_a_hotline_call(world):
    account = factories.account(world)
    operator = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    response = token_client(operator).post(
        "/api/v1/service-requests", {"account_code": account.code, "request_type": "other"}, format="json"
    )
    assert response.status_code == 201
    assert ServiceRequest.objects.get().channel == "api"
