"""Portal pages of demand response: a customer sees their events, answers them, and sees their results."""

import datetime as dt

import pytest
from django.utils import timezone

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.flexibility import services
from gridcare.flexibility.models import EventParticipant
from tests.backoffice.builders import superuser
from tests.flexibility.builders import (
    EVENT_DAY,
    call,
    enrol,
    event_day_profile,
    large_account,
    local,
    programme,
)
from tests.portal.builders import portal_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def factory_events(world):
    """A past measured event and an upcoming one for one factory (signed in), and another factory."""
    prog = programme(world, min_annual_kwh=0, requires_interval_meter=False)
    factory = large_account(
        world, name="Nhà máy Nước đá Cái Răng", event_day_wh=event_day_profile(event_wh=600, shifted_wh=1100)
    )
    other = large_account(world, name="Nhà máy Khác")
    enrol(prog, factory)
    enrol(prog, other)
    past = call(prog)
    services.event_results_compute(
        user=superuser("r"), event=past, now=local(EVENT_DAY + dt.timedelta(days=1), 8)
    )
    tomorrow = timezone.now().astimezone(BUSINESS_TZ).date() + dt.timedelta(days=1)
    upcoming = services.event_call(
        user=superuser("r2"), programme=prog, name="Giảm tải ngày mai", starts_at=local(tomorrow, 17), ends_at=local(tomorrow, 18),
        target_kw=500, now=timezone.now(),
    )  # fmt: skip
    portal_login(factory)
    portal_login(other)
    return {"factory": factory, "other": other, "past": past, "upcoming": upcoming}


def test_a_customer_sees_their_results_with_the_money_saved(client, factory_events):
    factory = factory_events["factory"]
    client.force_login(factory.customer.user)
    page = client.get(f"/accounts/{factory.code}/demand-response/").content.decode()
    assert "Giảm tải cao điểm chiều" in page and "Giảm tải ngày mai" in page
    participant = factory_events["past"].participants.get(account=factory)
    detail = client.get(f"/accounts/{factory.code}/demand-response/{participant.pk}/").content.decode()
    # 1.6 kWh delivered (shown rounded to 2 kWh), 4,961 đồng saved (see tests/flexibility/test_services.py).
    assert "4.961" in detail and "<svg" in detail


def test_a_customer_acknowledges_then_opts_out_of_an_upcoming_event(client, factory_events):
    factory = factory_events["factory"]
    client.force_login(factory.customer.user)
    participant = factory_events["upcoming"].participants.get(account=factory)
    url = f"/accounts/{factory.code}/demand-response/{participant.pk}/answer/"
    assert client.post(url, {"answer": "acknowledged"}).status_code == 302
    participant.refresh_from_db()
    assert (
        participant.response == EventParticipant.Response.ACKNOWLEDGED
        and participant.response_channel == "portal"
    )
    assert client.post(url, {"answer": "opted_out"}).status_code == 302
    participant.refresh_from_db()
    assert participant.response == EventParticipant.Response.OPTED_OUT
    assert client.post(url, {"answer": "maybe"}).status_code == 400


def test_a_past_event_can_no_longer_be_answered(client, factory_events):
    factory = factory_events["factory"]
    client.force_login(factory.customer.user)
    participant = factory_events["past"].participants.get(account=factory)
    response = client.post(
        f"/accounts/{factory.code}/demand-response/{participant.pk}/answer/", {"answer": "acknowledged"}
    )
    assert response.status_code == 400 and "Sự kiện đã bắt đầu" in response.content.decode()


def test_another_customer_gets_a_404(client, factory_events):
    factory, other = factory_events["factory"], factory_events["other"]
    client.force_login(other.customer.user)
    participant = factory_events["upcoming"].participants.get(account=factory)
    assert client.get(f"/accounts/{factory.code}/demand-response/").status_code == 404
    assert client.get(f"/accounts/{other.code}/demand-response/{participant.pk}/").status_code == 404
    assert (
        client.post(
            f"/accounts/{other.code}/demand-response/{participant.pk}/answer/", {"answer": "opted_out"}
        ).status_code
        == 404
    )
    participant.refresh_from_db()
    assert participant.response == EventParticipant.Response.PENDING
