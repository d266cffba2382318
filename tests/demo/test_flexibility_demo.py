"""The demo shows demand response in every state: a measured past event with answers and recognition, an upcoming one."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from gridcare.flexibility import selectors
from gridcare.flexibility.models import Event, EventParticipant, Ven


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_the_demo_has_a_measured_event_an_upcoming_one_and_people_to_thank():
    call_command("demo_data", "--customers", "300", "--today", "2026-11-25", "--interval-days", "20", "--bill-months", "0",
                 stdout=io.StringIO())  # fmt: skip
    # The 2026 programme's events; the 2025 programme's one measured event is the Appreciation Month's history.
    history, past, upcoming = Event.objects.order_by("starts_at")
    assert history.programme.code == "DR-CT-2025" and history.status == Event.Status.MEASURED
    assert history.day == dt.date(2025, 12, 4)
    assert {past.programme.code, upcoming.programme.code} == {"DR-CT-2026"}
    assert (
        past.status == Event.Status.MEASURED and past.day < dt.date(2026, 11, 25) and past.day.weekday() < 5
    )
    assert upcoming.status == Event.Status.CALLED
    answers = set(past.participants.values_list("response", flat=True))
    assert answers == {"acknowledged", "opted_out", "pending"}
    assert past.participants.filter(has_baseline=True, delivered_wh__gt=0).exists()
    assert set(upcoming.participants.values_list("response", flat=True)) == {
        EventParticipant.Response.PENDING
    }
    assert selectors.recognition_list(since=dt.date(2026, 1, 1), until=dt.date(2027, 1, 1))
    assert Ven.objects.filter(client_id="ven-demo-cantho").exists()
