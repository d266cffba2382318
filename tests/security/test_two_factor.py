"""Staff sign in to the back office with password and TOTP code; the first device is enrolled on /backoffice/2fa/."""

import datetime as dt
import hashlib
import re

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from gridcare.core import credentials
from gridcare.core.models import EnrolmentLink
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


def _link(user, **kwargs):
    """A fresh enrolment link's path for `user`, as an administrator would hand it over."""
    link, secret = credentials.enrolment_link_issue(
        user=user, issued_by=None, now=kwargs.get("now") or timezone.now()
    )
    return f"{ENROL}{secret}/", link


def test_first_device_is_enrolled_with_a_link_qr_code_and_first_code(client, operator):
    path, link = _link(operator)
    assert client.post(path, {"password": PASSWORD}).status_code == 302
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
    link.refresh_from_db()
    assert link.used_at is not None


def test_the_password_alone_does_not_enrol_a_first_device(client, operator):
    response = client.post(ENROL, {"username": "ops", "password": PASSWORD})
    assert response.status_code == 200
    assert "qrcode_svg" not in response.context
    page = client.get(ENROL)
    assert page.status_code == 200 and "qrcode_svg" not in page.context
    assert not TOTPDevice.objects.filter(user=operator).exists()
    assert client.get("/backoffice/").status_code == 302


def test_an_enrolment_link_is_used_once(client, operator):
    path, _link_row = _link(operator)
    client.post(path, {"password": PASSWORD})
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=operator)
    assert client.post(ENROL, {"token": current_code(device)}).status_code == 302
    TOTPDevice.objects.filter(user=operator).delete()  # even once the device is gone, the link stays spent
    other = Client()
    assert other.get(path).status_code == 404
    assert other.post(path, {"password": PASSWORD}).status_code == 404
    assert not TOTPDevice.objects.filter(user=operator).exists()


def test_an_enrolment_link_expires(client, operator, settings):
    settings.GRIDCARE_2FA_ENROLMENT_LINK_TTL_HOURS = 72
    path, _link_row = _link(operator, now=timezone.now() - dt.timedelta(hours=73))
    assert client.post(path, {"password": PASSWORD}).status_code == 404
    assert not TOTPDevice.objects.filter(user=operator).exists()


def test_an_enrolment_link_is_stored_as_a_hash_only(operator):
    path, link = _link(operator)
    secret = path.rstrip("/").rsplit("/", 1)[1]
    stored = EnrolmentLink.objects.filter(pk=link.pk).values().get()
    assert secret not in {str(value) for value in stored.values()}
    assert stored["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()


def test_a_link_is_for_its_staff_member_only(client, world, operator):
    other = staff(unit=world["teams"][0], role=StaffRole.OPERATOR, username="other")
    path, _link_row = _link(operator)
    # The other staff member's (right) password does not open the operator's link.
    assert client.post(path, {"password": "wrong"}).status_code == 200
    assert "qrcode_svg" not in client.get(ENROL).context
    assert not TOTPDevice.objects.filter(user=other).exists()


def test_an_administrator_issues_a_link_shown_once(client, world, operator):
    from tests.backoffice.builders import verified_login

    admin = staff(unit=world["teams"][0], role=StaffRole.ADMINISTRATOR, username="chief")
    verified_login(client, admin)
    response = client.post("/backoffice/core/enrolmentlink/add/", {"user": operator.pk}, follow=True)
    assert response.status_code == 200
    text = " ".join(str(message) for message in response.context["messages"])
    secret = re.search(r"/backoffice/2fa/([A-Za-z0-9_-]{20,})/", text).group(1)
    link = EnrolmentLink.objects.get(user=operator)
    assert link.created_by == admin and link.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in client.get(f"/backoffice/core/enrolmentlink/{link.pk}/change/").content.decode()
    stranger = Client()
    assert stranger.post(f"{ENROL}{secret}/", {"password": PASSWORD}).status_code == 302


def test_an_administrator_issues_links_for_their_own_staff_only(client, world, operator):
    from tests.backoffice.builders import verified_login

    elsewhere = staff(unit=world["teams"][1], role=StaffRole.OPERATOR, username="elsewhere")
    admin = staff(unit=world["teams"][0], role=StaffRole.ADMINISTRATOR, username="chief")
    verified_login(client, admin)
    client.post("/backoffice/core/enrolmentlink/add/", {"user": elsewhere.pk})
    assert not EnrolmentLink.objects.filter(user=elsewhere).exists()


def test_enrolment_with_a_link_is_refused_once_a_device_exists(client, operator):
    totp_device(operator)
    path, _link_row = _link(operator)
    response = client.post(path, {"password": PASSWORD})
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=operator).count() == 1


def test_enrolment_needs_the_right_password(client, operator):
    path, _link_row = _link(operator)
    response = client.post(path, {"password": "wrong"})
    assert response.status_code == 200
    assert response.context["password_form"].errors
    assert not TOTPDevice.objects.filter(user=operator).exists()


def _one_failure_from_the_lock(client, settings):
    for _ in range(settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT - 1):
        client.post(LOGIN, {"username": "ops", "password": "wrong", "next": "/backoffice/"})


def _locked_after_one_more_failure(client, device) -> bool:
    client.post(LOGIN, {"username": "ops", "password": "wrong", "next": "/backoffice/"})
    response = _login(client, device, current_code(device))
    return response.status_code == 200 and "Quá nhiều lần đăng nhập sai" in response.content.decode()


def test_the_enrolment_page_never_resets_the_failure_count(client, operator, settings):
    device = totp_device(operator)
    _one_failure_from_the_lock(client, settings)
    # The right password on the enrolment page does not clear the count...
    client.post(ENROL, {"username": "ops", "password": PASSWORD})
    # ...so one more failure locks the username, and even the right password and code are refused.
    assert _locked_after_one_more_failure(client, device)


def test_the_enrolment_link_page_never_resets_the_failure_count(client, operator, settings):
    path, _link_row = _link(operator)
    _one_failure_from_the_lock(client, settings)
    assert client.post(path, {"password": PASSWORD}).status_code == 302  # the password step passed
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=operator)
    device.confirmed = True  # as if enrolled elsewhere meanwhile: the count is still there
    device.save(update_fields=["confirmed"])
    assert _locked_after_one_more_failure(client, device)


def test_wrong_codes_on_the_enrolment_page_count_as_failed_sign_ins(client, operator, settings):
    path, _link_row = _link(operator)
    client.post(path, {"password": PASSWORD})
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=operator)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    for _ in range(settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT):
        client.post(ENROL, {"token": wrong})
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    response = client.post(ENROL, {"token": current_code(device)})
    assert response.status_code == 200 and "Quá nhiều lần đăng nhập sai" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


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
    path, _link_row = _link(operator)
    for _ in range(settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT):
        client.post(path, {"password": "wrong"})
    response = client.post(path, {"password": PASSWORD})
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
def test_with_two_devices_the_code_of_either_signs_in(client, world):
    # The page cannot ask which device: listing them would tell that the password was right.
    operator = staff(unit=world["teams"][0], role=StaffRole.OPERATOR, username="twodev")
    totp_device(operator)
    second = totp_device(operator)
    response = client.post(LOGIN, {"username": "twodev", "password": PASSWORD, "otp_token": current_code(second),
                                   "next": "/backoffice/"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/backoffice/"


def _answer(response) -> str:
    """The page as the person sees it, less the per-request CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_a_right_password_without_its_code_gets_the_answer_of_a_wrong_password(client, operator):
    totp_device(operator)
    totp_device(operator)
    wrong = client.post(LOGIN, {"username": "ops", "password": "wrong", "next": "/backoffice/"})
    right = client.post(LOGIN, {"username": "ops", "password": PASSWORD, "next": "/backoffice/"})
    assert wrong.status_code == right.status_code == 200
    assert _answer(wrong) == _answer(right)
    assert "test" not in re.findall(r"<option[^>]*>([^<]*)</option>", _answer(right))  # no device names


def test_a_right_password_with_a_wrong_code_gets_the_answer_of_a_wrong_password(client, operator):
    device = totp_device(operator)
    wrong_code = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    wrong = client.post(
        LOGIN, {"username": "ops", "password": "wrong", "otp_token": wrong_code, "next": "/backoffice/"}
    )
    right = client.post(
        LOGIN, {"username": "ops", "password": PASSWORD, "otp_token": wrong_code, "next": "/backoffice/"}
    )
    assert _answer(wrong) == _answer(right)


def test_every_failed_first_factor_counts_whatever_fields_the_form_carries(client, operator, settings):
    device = totp_device(operator)
    for _ in range(settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT):
        client.post(LOGIN, {"username": "ops", "password": "wrong", "otp_challenge": "1", "otp_device": "x",
                            "next": "/backoffice/"})  # fmt: skip
    response = _login(client, device, current_code(device))
    assert response.status_code == 200
    assert "Quá nhiều lần đăng nhập sai" in response.content.decode()


def test_a_right_password_with_otp_challenge_answers_like_a_wrong_one(client, operator):
    totp_device(operator)
    wrong = client.post(
        LOGIN, {"username": "ops", "password": "wrong", "otp_challenge": "1", "next": "/backoffice/"}
    )
    right = client.post(
        LOGIN, {"username": "ops", "password": PASSWORD, "otp_challenge": "1", "next": "/backoffice/"}
    )
    assert _answer(wrong) == _answer(right)


def test_failures_from_one_address_do_not_lock_the_staff_member_out_elsewhere(client, operator, settings):
    device = totp_device(operator)
    attacker = Client(REMOTE_ADDR="198.51.100.66")
    for _ in range(settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT + 2):
        attacker.post(LOGIN, {"username": "ops", "password": "wrong", "next": "/backoffice/"})
    assert (
        "Quá nhiều lần đăng nhập sai"
        in attacker.post(LOGIN, {"username": "ops", "password": "x"}).content.decode()
    )
    owner = Client(REMOTE_ADDR="203.0.113.10")
    assert _login(owner, device, current_code(device)).status_code == 302


def test_behind_the_proxy_one_attacker_does_not_lock_out_every_staff_member(operator, world, settings):
    settings.GRIDCARE_TRUSTED_PROXY_COUNT = 1
    settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    device = totp_device(operator)
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.66")
    for n in range(25):
        attacker.post(LOGIN, {"username": f"guess{n}", "password": "wrong", "next": "/backoffice/"})
    # The attacker's own address is locked, whatever it writes in front of the proxy's entry...
    forged = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.99, 198.51.100.66")
    assert (
        "Quá nhiều lần đăng nhập sai"
        in forged.post(LOGIN, {"username": "ops", "password": "x"}).content.decode()
    )
    # ...while a staff member behind the same proxy signs in.
    colleague = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert _login(colleague, device, current_code(device)).status_code == 302
