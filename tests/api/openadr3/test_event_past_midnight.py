"""An event past midnight (22:00–01:00) as its participants' systems see it: the OpenADR 3 event (interval period
from the evening, three hours long), an OPT_STATUS answer from the VEN, the customer API and the portal list."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.flexibility import services
from gridcare.flexibility.models import EventParticipant
from tests.api.test_accounts_api import token_client
from tests.backoffice.builders import customer_user, superuser
from tests.flexibility.builders import enrol, large_account, local, programme
from tests.portal.builders import portal_login

pytestmark = pytest.mark.django_db
BASE = "/openadr3/3.0.1"


@pytest.fixture
def tonight(world):
    """An event from 22:00 tomorrow to 01:00 the day after, for one factory with an OpenADR client."""
    prog = programme(world, code="DR-NIGHT", min_annual_kwh=0, requires_interval_meter=False)
    factory = large_account(world, name="Nhà máy Xi măng Hà Tiên")
    enrol(prog, factory)
    day = timezone.now().astimezone(BUSINESS_TZ).date() + dt.timedelta(days=1)
    starts_at, ends_at = services.event_moments(day=day, start=dt.time(22), end=dt.time(1))
    event = services.event_call(user=superuser("r-night"), programme=prog, name="Giảm tải đêm", starts_at=starts_at,
                                ends_at=ends_at, target_kw=400, now=timezone.now())  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    _ven, client_id, secret = services.ven_register(
        user=superuser("r-ven"), account=factory, ven_name="EMS-NIGHT", now=now
    )
    token, _ttl = services.ven_token_issue(client_id=client_id, client_secret=secret, now=now)
    return {"event": event, "factory": factory, "day": day, "auth": {"HTTP_AUTHORIZATION": f"Bearer {token}"}}


def test_the_openadr_event_starts_in_the_evening_and_lasts_three_hours(client, tonight):
    event, day = tonight["event"], tonight["day"]
    body = client.get(f"{BASE}/events/{event.pk}", **tonight["auth"]).json()
    # 22:00 in Hồ Chí Minh City (UTC+7) is 15:00 UTC the same day; 01:00 the day after is three hours later.
    assert body["intervalPeriod"] == {"start": f"{day:%Y-%m-%d}T15:00:00Z", "duration": "PT3H"}
    listed = client.get(f"{BASE}/events", **tonight["auth"]).json()
    assert [e["id"] for e in listed] == [str(event.pk)] and listed[0]["intervalPeriod"]["duration"] == "PT3H"


def test_the_ven_opts_out_before_the_evening(client, tonight):
    event = tonight["event"]
    report = {"programID": str(event.programme_id), "eventID": str(event.pk), "clientName": "EMS-NIGHT", "reportName": "answer",
              "resources": [{"resourceName": "MAIN", "intervals": [
                  {"id": 0, "payloads": [{"type": "OPT_STATUS", "values": ["OPT_OUT"]}]}]}]}  # fmt: skip
    made = client.post(
        f"{BASE}/reports", data=json.dumps(report), content_type="application/json", **tonight["auth"]
    )
    assert made.status_code == 201, made.content
    participant = event.participants.get()
    assert (
        participant.response == EventParticipant.Response.OPTED_OUT
        and participant.response_channel == "openadr"
    )


def test_the_customer_api_gives_the_end_on_the_next_day(tonight):
    factory, day = tonight["factory"], tonight["day"]
    row = token_client(customer_user(factory)).get("/api/v1/me/demand-response").json()[0]
    assert dt.datetime.fromisoformat(row["starts_at"]) == local(day, 22)
    assert dt.datetime.fromisoformat(row["ends_at"]) == local(day + dt.timedelta(days=1), 1)


def test_the_portal_shows_the_window_with_the_next_days_date(client, tonight):
    factory, day = tonight["factory"], tonight["day"]
    portal_login(factory)
    client.force_login(factory.customer.user)
    page = client.get(f"/accounts/{factory.code}/demand-response/").content.decode()
    assert f"22:00–01:00 ({day + dt.timedelta(days=1):%d/%m/%Y})" in page
