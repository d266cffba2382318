"""The hotline desk: find the caller, open the request (clock, receipt), scoped to the staff's team; "no power"
under a known outage is linked to it (servicedesk → outages.selectors)."""

import datetime as dt

from django.utils import timezone

from gridcare.notifications.models import Notice
from gridcare.org.models import StaffRole
from gridcare.outages import services as outage_services
from gridcare.outages.models import RestorationRequest
from gridcare.servicedesk.models import RequestState, RequestType, ServiceRequest
from tests import factories
from tests.backoffice.builders import staff, verified_login

HOTLINE = "/backoffice/servicedesk/servicerequest/hotline/"


def test_staff_find_the_caller_by_phone_tail_and_open_a_request_that_starts_its_clock(client, world):
    caller = factories.account(world, name="Trần Thị Bình", phone="+84912345678")
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    page = client.get(HOTLINE, {"q": "5678"}).content.decode()
    assert caller.code in page and "Trần Thị Bình" in page
    assert caller.code in client.get(HOTLINE, {"q": "tran thi binh"}).content.decode()
    kind = RequestType.objects.get(code="meter-check")
    before = timezone.now()
    response = client.post(f"{HOTLINE}?account={caller.code}", {
        "request_type": kind.pk, "description": "Công tơ chạy nhanh bất thường", "field_contact_phone": "0912345678",
    })  # fmt: skip
    assert response.status_code == 302
    opened = ServiceRequest.objects.get(account=caller)
    assert (
        opened.channel == "hotline" and opened.state == RequestState.NEW and opened.team == world["teams"][0]
    )
    assert opened.opened_at >= before and opened.due_at > opened.opened_at
    assert Notice.objects.filter(template_key="service_request_received").exists()


def test_a_refused_hotline_form_is_shown_again_with_what_was_typed(client, world):
    caller = factories.account(world)
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    kind = RequestType.objects.get(code="new-connection-lv")  # needs a contact phone and the kW
    response = client.post(
        f"{HOTLINE}?account={caller.code}", {"request_type": kind.pk, "description": "Xin cấp điện xưởng"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Xin cấp điện xưởng" in html and "Vui lòng điền đủ thông tin bắt buộc" in html
    assert not ServiceRequest.objects.filter(account=caller).exists()


def test_a_staff_member_of_another_team_sees_and_changes_nothing(client, world):
    other = factories.account(world, team=world["teams"][1], phone="+84987654321")
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    assert client.get(HOTLINE, {"q": other.code}).context["results"] == []
    assert client.get(HOTLINE, {"q": "4321"}).context["results"] == []
    assert client.get(f"{HOTLINE}?account={other.code}").status_code == 404
    kind = RequestType.objects.get(code="other")
    assert (
        client.post(
            f"{HOTLINE}?account={other.code}", {"request_type": kind.pk, "description": "x"}
        ).status_code
        == 404
    )
    assert not ServiceRequest.objects.exists()


def test_a_viewer_cannot_take_calls(client, world):
    caller = factories.account(world)
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    assert client.get(HOTLINE).status_code == 403
    assert client.post(f"{HOTLINE}?account={caller.code}", {"description": "x"}).status_code == 403


def test_no_power_under_a_known_incident_is_linked_to_it_and_the_caller_is_told(client, world):
    caller = factories.account(world)
    now = timezone.now()
    incident = outage_services.incident_record(
        unit=world["teams"][0], place="khu vực chợ Tân An", reason="sự cố cáp ngầm", started_at=now - dt.timedelta(minutes=30),
        estimated_restoration=now + dt.timedelta(hours=2), transformer_stations=[world["stations"][world["teams"][0]]],
        by=None, now=now,
    )  # fmt: skip
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    page = client.get(f"{HOTLINE}?account={caller.code}").content.decode()
    assert 'id="hotline-outage"' in page and "khu vực chợ Tân An" in page
    kind = RequestType.objects.get(code="no-power")
    response = client.post(f"{HOTLINE}?account={caller.code}", {
        "request_type": kind.pk, "description": "Nhà tôi mất điện", "field_contact_phone": "0912000111"}, follow=True)  # fmt: skip
    opened = ServiceRequest.objects.get(account=caller)
    assert opened.outage_reference == f"#{incident.pk} khu vực chợ Tân An"
    assert "gắn với mất điện đã biết" in response.content.decode()
    # Linked: the caller is told when the power is back, with everyone else under the incident.
    assert RestorationRequest.objects.filter(account=caller, outage=incident).exists()
    outage_services.outage_close(outage=incident, by=None, now=now + dt.timedelta(hours=1))
    assert RestorationRequest.objects.get(account=caller, outage=incident).notified_at is not None


def test_no_power_with_no_known_outage_goes_to_the_team(world):
    from tests.servicedesk.builders import open_request

    opened = open_request(factories.account(world), code="no-power", now=timezone.now())
    assert opened.outage_reference == "" and not RestorationRequest.objects.exists()
