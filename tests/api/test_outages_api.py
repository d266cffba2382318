"""The "no power" report through the API: a customer for their own account, a hotline system with a staff token."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from gridcare.org.models import StaffRole
from gridcare.outages import services
from gridcare.outages.models import OutageReport, RestorationRequest
from tests import factories
from tests.api.test_accounts_api import token_client
from tests.backoffice.builders import customer_user, staff


@pytest.fixture
def accounts(world):
    return {
        "mine": factories.account(world, name="Phạm Văn Dũng"),
        "other": factories.account(world, team=world["teams"][1]),
    }


def test_a_customer_files_a_report_then_learns_of_the_incident(world, accounts):
    api = APIClient()
    api.force_login(customer_user(accounts["mine"]))
    code = accounts["mine"].code
    filed = api.post(f"/api/v1/accounts/{code}/outage-reports", {"note": "mất điện từ 9 giờ"}, format="json")
    assert filed.status_code == 201, filed.json()
    body = filed.json()
    assert body["outcome"] == "filed" and body["known_outage"] is None
    assert body["report"]["transformer_station"] == world["stations"][world["teams"][0]].code
    assert OutageReport.objects.get().channel == "api"
    now = timezone.now()
    restoration = (now + dt.timedelta(hours=2)).replace(microsecond=0)
    incident = services.incident_from_reports(
        feeder=world["feeder"], by=None, now=now, estimated_restoration=restoration
    )
    known = api.post(f"/api/v1/accounts/{code}/outage-reports", {}, format="json")
    assert known.status_code == 200
    outage = known.json()["known_outage"]
    assert (
        known.json()["outcome"] == "known_outage"
        and outage["id"] == incident.pk
        and outage["kind"] == "incident"
    )
    assert dt.datetime.fromisoformat(outage["expected_restoration"]) == restoration
    asked = api.post(f"/api/v1/accounts/{code}/outages/{incident.pk}/notify-me")
    assert (
        asked.status_code == 200
        and asked.json()["outage_id"] == incident.pk
        and asked.json()["notified_at"] is None
    )
    assert RestorationRequest.objects.filter(account=accounts["mine"]).count() == 1


def test_another_customer_gets_a_404(world, accounts):
    api = APIClient()
    api.force_login(customer_user(accounts["other"]))
    response = api.post(f"/api/v1/accounts/{accounts['mine'].code}/outage-reports", {}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not OutageReport.objects.exists()


def test_a_hotline_system_reports_for_its_units_with_a_staff_token(world, accounts):
    operator = token_client(staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    assert (
        operator.post(
            f"/api/v1/accounts/{accounts['mine'].code}/outage-reports", {}, format="json"
        ).status_code
        == 201
    )
    assert OutageReport.objects.get().channel == "hotline"
    assert (
        operator.post(
            f"/api/v1/accounts/{accounts['other'].code}/outage-reports", {}, format="json"
        ).status_code
        == 404
    )
    viewer = token_client(staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    refused = viewer.post(f"/api/v1/accounts/{accounts['mine'].code}/outage-reports", {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_bad_input_is_a_clear_error(world, accounts):
    api = APIClient()
    api.force_login(customer_user(accounts["mine"]))
    response = api.post(
        f"/api/v1/accounts/{accounts['mine'].code}/outage-reports", {"note": "x" * 501}, format="json"
    )
    assert (
        response.status_code == 400
        and response.json()["code"] == "invalid"
        and "note" in response.json()["details"]
    )
