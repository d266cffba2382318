"""Staff sessions end after a working day without a request; customers keep their two weeks."""

import datetime as dt

import pytest
from django.utils import timezone

from gridcare.org.models import StaffRole
from tests.backoffice.builders import PASSWORD, current_code, staff, totp_device
from tests.portal.builders import PASSWORD as PORTAL_PASSWORD
from tests.portal.builders import portal_login


class Clock:
    """Django's `timezone.now` moved by the test (sessions read their expiry through it)."""

    def __init__(self, monkeypatch):
        self.offset = dt.timedelta(0)
        real = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: real() + self.offset)

    def advance(self, **delta):
        self.offset += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def staff_client(client, world, settings):
    settings.GRIDCARE_STAFF_SESSION_IDLE_SECONDS = 9 * 3600
    user = staff(unit=world["teams"][0], role=StaffRole.OPERATOR, username="ops")
    device = totp_device(user)
    response = client.post("/backoffice/login/", {
        "username": "ops", "password": PASSWORD, "otp_device": device.persistent_id,
        "otp_token": current_code(device), "next": "/backoffice/",
    })  # fmt: skip
    assert response.status_code == 302
    assert client.get("/backoffice/").status_code == 200
    return client


def test_a_staff_session_ends_after_a_working_day_without_a_request(staff_client, clock):
    clock.advance(hours=8, minutes=59)
    assert staff_client.get("/backoffice/").status_code == 200  # still inside the idle limit
    clock.advance(hours=9, minutes=1)
    response = staff_client.get("/backoffice/")
    assert response.status_code == 302 and "/backoffice/login/" in response["Location"]


def test_each_staff_request_starts_the_idle_period_again(staff_client, clock):
    for _ in range(4):  # 32 hours of work, a request every 8 hours
        clock.advance(hours=8)
        assert staff_client.get("/backoffice/").status_code == 200


def test_the_staff_session_cookie_and_record_say_the_idle_limit(staff_client):
    response = staff_client.get("/backoffice/")
    assert response.cookies["sessionid"]["max-age"] == 9 * 3600
    assert staff_client.session.get_expiry_age() == 9 * 3600


def test_a_customer_keeps_the_site_wide_session_age(client, world, clock, settings):
    from tests import factories

    settings.GRIDCARE_STAFF_SESSION_IDLE_SECONDS = 9 * 3600
    acct = factories.account(world)
    portal_login(acct)
    response = client.post("/login/", {"customer_code": acct.code, "password": PORTAL_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    clock.advance(hours=30)
    assert client.get("/").status_code == 200
    assert "_auth_user_id" in client.session
