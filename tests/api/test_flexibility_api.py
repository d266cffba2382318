"""The demand-response API for customers' own systems: list their events and answer them."""

import datetime as dt

import pytest
from django.utils import timezone

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.flexibility import services
from gridcare.flexibility.models import EventParticipant
from tests.api.test_accounts_api import token_client
from tests.backoffice.builders import customer_user, superuser
from tests.flexibility.builders import enrol, large_account, local, programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def upcoming(world):
    prog = programme(world, min_annual_kwh=0, requires_interval_meter=False)
    factory, other = large_account(world, name="Nhà máy Mía Đường"), large_account(world, name="Nhà máy Khác")
    enrol(prog, factory)
    enrol(prog, other)
    tomorrow = timezone.now().astimezone(BUSINESS_TZ).date() + dt.timedelta(days=1)
    event = services.event_call(user=superuser("r"), programme=prog, name="Giảm tải", starts_at=local(tomorrow, 17),
                                ends_at=local(tomorrow, 19), target_kw=900, now=timezone.now())  # fmt: skip
    return event, factory, other


def test_a_customer_lists_their_events_and_opts_out_through_the_api(upcoming):
    event, factory, _other = upcoming
    api = token_client(customer_user(factory))
    listed = api.get("/api/v1/me/demand-response").json()
    assert [(row["account"], row["event"], row["response"]) for row in listed] == [
        (factory.code, "Giảm tải", "pending")
    ]
    answered = api.post(
        f"/api/v1/me/demand-response/{listed[0]['id']}/answer", {"answer": "opted_out"}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["response"] == "opted_out"
    assert answered.json()["response_channel"] == "api"
    bad = api.post(f"/api/v1/me/demand-response/{listed[0]['id']}/answer", {"answer": "later"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_another_customer_gets_a_404_and_changes_nothing(upcoming):
    event, factory, other = upcoming
    participant = event.participants.get(account=factory)
    api = token_client(customer_user(other))
    response = api.post(
        f"/api/v1/me/demand-response/{participant.pk}/answer", {"answer": "opted_out"}, format="json"
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    participant.refresh_from_db()
    assert participant.response == EventParticipant.Response.PENDING
    assert factory.code not in api.get("/api/v1/me/demand-response").content.decode()
