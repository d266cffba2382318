"""Staff sign in to the back office with password and TOTP code; the first device is enrolled on /backoffice/2fa/."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from gridcare.org.models import StaffRole
from tests.backoffice.builders import PASSWORD, current_code, staff, totp_device

LOGIN = "/backoffice/login/"
ENROL = "/backoffice/2fa/"


@pytest.fixture
def operator(world):
    return staff(unit=world["teams"][0], role=StaffRole.OPERATOR, username="ops")


def _login(client, device, token):
    return client.post(
        LOGIN, {"username": "ops", "password": PASSWORD, "otp_device": device.persistent_id, "otp_token": token,
                "next": "/backoffice/"},
    )  # fmt: skip


def test_login_with_password_only_fails(client, operator):
    totp_device(operator)
    response = client.post(LOGIN, {"username": "ops", "password": PASSWORD, "next": "/backoffice/"})
    assert response.status_code == 200  # the form again, with an error
    assert response.context["form"].errors
    assert client.get("/backoffice/").status_code == 302


def test_login_with_a_wrong_code_fails(client, operator):
    device = totp_device(operator)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    assert _login(client, device, wrong).status_code == 200
    assert client.get("/backoffice/").status_code == 302


def test_login_with_the_current_code_succeeds(client, operator):
    device = totp_device(operator)
    response = _login(client, device, current_code(device))
    assert response.status_code == 302
    assert client.get("/backoffice/").status_code == 200


def test_password_session_without_code_is_not_enough(client, operator):
    client.force_login(operator)
    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_first_device_is_enrolled_with_qr_code_and_first_code(client, operator):
    assert client.post(ENROL, {"username": "ops", "password": PASSWORD}).status_code == 302
    page = client.get(ENROL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    device = TOTPDevice.objects.get(user=operator)
    assert not device.confirmed
    assert re.search(r"<code>[A-Z2-7]{16,}</code>", html)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    assert client.post(ENROL, {"token": wrong}).status_code == 200
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    response = client.post(ENROL, {"token": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/backoffice/").status_code == 200


def test_enrolment_with_a_password_is_refused_once_a_device_exists(client, operator):
    totp_device(operator)
    response = client.post(ENROL, {"username": "ops", "password": PASSWORD})
    assert response.status_code == 200
    assert response.context["password_form"].non_field_errors()
    assert TOTPDevice.objects.filter(user=operator).count() == 1


def test_enrolment_needs_the_right_password(client, operator):
    response = client.post(ENROL, {"username": "ops", "password": "wrong"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=operator).exists()


def test_administrator_manages_devices_of_their_staff_only(client, world, operator):
    from tests.backoffice.builders import verified_login

    other = staff(unit=world["teams"][1], role=StaffRole.OPERATOR, username="other")
    totp_device(other)
    totp_device(operator)
    admin = staff(unit=world["teams"][0], role=StaffRole.ADMINISTRATOR)
    verified_login(client, admin)
    listed = client.get("/backoffice/otp_totp/totpdevice/").context["cl"].result_list
    assert {d.user.username for d in listed} == {"ops", admin.username}


def test_repeated_failed_logins_lock_the_staff_username(client, operator, settings):
    device = totp_device(operator)
    for _ in range(settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT):
        client.post(LOGIN, {"username": "ops", "password": "wrong", "next": "/backoffice/"})
    response = _login(client, device, current_code(device))
    assert response.status_code == 200
    assert "Quá nhiều lần đăng nhập sai" in response.content.decode()
    assert client.get("/backoffice/").status_code == 302


def test_enrolment_password_step_is_throttled_too(client, operator, settings):
    for _ in range(settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT):
        client.post(ENROL, {"username": "ops", "password": "wrong"})
    response = client.post(ENROL, {"username": "ops", "password": PASSWORD})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=operator).exists()


@pytest.mark.django_db
def test_a_staff_member_with_one_device_signs_in_in_one_step(client, world):
    operator = staff(unit=world["teams"][0], role=StaffRole.OPERATOR, username="onestep")
    device = totp_device(operator)
    response = client.post(LOGIN, {"username": "onestep", "password": PASSWORD, "otp_token": current_code(device),
                                   "next": "/backoffice/"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/backoffice/"


@pytest.mark.django_db
def test_with_two_devices_the_staff_member_must_pick_one(client, world):
    operator = staff(unit=world["teams"][0], role=StaffRole.OPERATOR, username="twodev")
    device = totp_device(operator)
    totp_device(operator)
    response = client.post(LOGIN, {"username": "twodev", "password": PASSWORD, "otp_token": current_code(device)})
    assert response.status_code == 200
