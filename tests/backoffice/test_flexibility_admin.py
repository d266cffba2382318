"""Back office of demand response: call an event from the form, watch answers, read results, charts and letters."""

import datetime as dt

import pytest

from gridcare.flexibility import services
from gridcare.flexibility.models import Event
from gridcare.org.models import StaffRole
from tests.backoffice.builders import staff, superuser, verified_login
from tests.flexibility.builders import (
    EVENT_DAY,
    call,
    enrol,
    event_day_profile,
    large_account,
    local,
    programme,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def measured(world):
    prog = programme(world)
    good = large_account(world, name="Nhà máy Bia Cần Thơ", event_day_wh=event_day_profile(event_wh=600))
    fair = large_account(world, name="Nhà máy Gạch Ô Môn", event_day_wh=event_day_profile(event_wh=800))
    enrol(prog, good)
    enrol(prog, fair)
    event = call(prog)
    participant = event.participants.get(account=good)
    services.participant_respond(
        participant=participant, response="acknowledged", channel="portal", now=local(EVENT_DAY, 10)
    )
    services.event_results_compute(
        user=superuser("r"), event=event, now=local(EVENT_DAY + dt.timedelta(days=1), 8)
    )
    return event, good, fair


def test_staff_see_the_ranking_and_delivered_mw_against_target(client, world, measured):
    event, good, fair = measured
    verified_login(client, superuser("root-bo"))
    page = client.get(f"/backoffice/flexibility/event/{event.pk}/results/").content.decode()
    # good delivered 1.6 kWh, fair 0.8 kWh over 2 hours: 1.2 kW on average = 0,0012 MW against 1 MW.
    assert page.index("Nhà máy Bia Cần Thơ") < page.index("Nhà máy Gạch Ô Môn")
    assert "1 xác nhận, 0 từ chối, 1 chưa trả lời" in page
    assert "0 MW" in page and "1 MW" in page


def test_a_participant_page_has_its_chart_and_its_letter_is_a_pdf(client, world, measured):
    event, good, _fair = measured
    participant = event.participants.get(account=good)
    verified_login(client, superuser("root-bo2"))
    page = client.get(f"/backoffice/flexibility/eventparticipant/{participant.pk}/change/").content.decode()
    assert "<svg" in page and "Đường cơ sở" in page
    letter = client.get(f"/backoffice/flexibility/eventparticipant/{participant.pk}/letter/")
    assert (
        letter.status_code == 200
        and letter["Content-Type"] == "application/pdf"
        and letter.content[:4] == b"%PDF"
    )


def test_calling_an_event_from_the_form_refuses_a_short_notice_in_vietnamese(client, world):
    prog = programme(world, notice_minutes=120)
    enrol(prog, large_account(world))
    verified_login(client, superuser("root-bo3"))
    form = {"programme": prog.pk, "name": "Gọi gấp", "day": "15/07/2025", "start_time": "17:00", "end_time": "19:00",
            "target_mw": "1", "scope": "enrolled"}  # fmt: skip
    # The clock is real here: an event on a past day is always too late.
    page = client.post("/backoffice/flexibility/event/add/", form).content.decode()
    assert "Chương trình cần báo trước ít nhất 120 phút." in page
    assert not Event.objects.exists()


def test_calling_an_event_from_the_form_notifies_the_participants(client, world):
    prog = programme(world)
    acct = large_account(world)
    enrol(prog, acct)
    verified_login(client, superuser("root-bo4"))
    day = (dt.date.today() + dt.timedelta(days=2)).strftime("%d/%m/%Y")
    form = {"programme": prog.pk, "name": "Giảm tải tối", "day": day, "start_time": "18:00", "end_time": "20:00",
            "target_mw": "2.5", "scope": "enrolled"}  # fmt: skip
    response = client.post("/backoffice/flexibility/event/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get()
    assert event.target_kw == 2500 and list(event.participants.values_list("account_id", flat=True)) == [
        acct.pk
    ]


def test_staff_of_another_team_see_nothing_of_an_event(client, world, measured):
    event, good, _fair = measured
    verified_login(client, staff(unit=world["teams"][1], role=StaffRole.ADMINISTRATOR, username="qt.doib.dr"))
    assert client.get(f"/backoffice/flexibility/event/{event.pk}/results/").status_code == 404
    participant = event.participants.get(account=good)
    assert client.get(f"/backoffice/flexibility/eventparticipant/{participant.pk}/letter/").status_code == 404
    assert good.code not in client.get("/backoffice/flexibility/eventparticipant/").content.decode()
