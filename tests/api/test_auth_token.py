"""Staff obtain an API token with password and TOTP code; the endpoint is throttled."""

import datetime as dt
import hashlib
import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from gridcare.core.models import ApiToken
from gridcare.org.models import StaffRole
from tests.backoffice.builders import (
    PASSWORD,
    current_code,
    customer_user,
    staff,
    superuser,
    totp_device,
    verified_login,
)

URL = "/api/v1/auth/token"


@pytest.fixture
def operator(world):
    return staff(unit=world["teams"][0], role=StaffRole.OPERATOR, username="ops")


def test_token_needs_password_and_totp_code(operator):
    device = totp_device(operator)
    api = APIClient()
    assert api.post(URL, {"username": "ops", "password": PASSWORD}).json()["code"] == "authentication_failed"
    code = current_code(device)
    response = api.post(URL, {"username": "ops", "password": PASSWORD, "otp_token": code})
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/accounts").status_code == 200
    # The same code cannot be replayed.
    replay = api.post(URL, {"username": "ops", "password": PASSWORD, "otp_token": code})
    assert replay.status_code == 401
    assert replay.json()["code"] == "authentication_failed"


def test_wrong_totp_code_is_refused(operator):
    device = totp_device(operator)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = APIClient().post(URL, {"username": "ops", "password": PASSWORD, "otp_token": wrong})
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_wrong_password_is_401(operator):
    body = APIClient().post(URL, {"username": "ops", "password": "wrong"}).json()
    assert body["code"] == "authentication_failed"


def test_customers_do_not_get_tokens(world):
    from tests import factories

    customer_user(factories.account(world), username="khach")
    response = APIClient().post(URL, {"username": "khach", "password": PASSWORD})
    assert response.status_code == 401


def test_missing_fields_are_a_validation_error(operator):
    response = APIClient().post(URL, {"username": "ops"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "password" in response.json()["details"]


def test_token_endpoint_is_throttled_per_address(operator):
    api = APIClient()
    statuses = [api.post(URL, {"username": f"guess{i}", "password": "wrong"}).status_code for i in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    body = api.post(URL, {"username": "ops", "password": PASSWORD}).json()
    assert body["code"] == "throttled"
    assert body["details"]["wait"] > 0


def test_repeated_failures_lock_the_username(operator, settings):
    device = totp_device(operator)
    api = APIClient()
    for _ in range(settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT):
        assert api.post(URL, {"username": "ops", "password": "wrong"}).status_code == 401
    response = api.post(URL, {"username": "ops", "password": PASSWORD, "otp_token": current_code(device)})
    assert response.status_code == 429
    assert response.json()["code"] == "locked"


def _token(operator) -> dict:
    device = totp_device(operator)
    response = APIClient().post(
        URL, {"username": "ops", "password": PASSWORD, "otp_token": current_code(device)}
    )
    assert response.status_code == 200
    return response.json()


def test_a_right_password_without_its_code_counts_as_a_failed_attempt(operator, settings):
    device = totp_device(operator)
    api = APIClient()
    for _ in range(settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT):
        assert api.post(URL, {"username": "ops", "password": PASSWORD}).status_code == 401
    response = api.post(URL, {"username": "ops", "password": PASSWORD, "otp_token": current_code(device)})
    assert response.status_code == 429 and response.json()["code"] == "locked"


def test_a_right_password_gets_the_answer_of_a_wrong_one(operator):
    device = totp_device(operator)
    wrong_code = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    api = APIClient()
    answers = [
        api.post(URL, body).json()
        for body in (
            {"username": "ops", "password": "wrong"},
            {"username": "ops", "password": PASSWORD},
            {"username": "ops", "password": "wrong", "otp_token": wrong_code},
            {"username": "ops", "password": PASSWORD, "otp_token": wrong_code},
        )
    ]
    assert all(answer == answers[0] for answer in answers)


def test_the_token_is_stored_as_a_hash_only(operator):
    body = _token(operator)
    key = body["token"]
    row = ApiToken.objects.filter(user=operator).values().get()
    assert key not in {str(value) for value in row.values()}
    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()


def test_tokens_expire(operator, settings):
    settings.GRIDCARE_API_TOKEN_TTL_HOURS = 24
    before = timezone.now()
    body = _token(operator)
    token = ApiToken.objects.get(user=operator)
    assert before + dt.timedelta(hours=24) <= token.expires_at <= timezone.now() + dt.timedelta(hours=24)
    assert dt.datetime.fromisoformat(body["expires_at"]) == token.expires_at
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert client.get("/api/v1/accounts").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25),
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    response = client.get("/api/v1/accounts")
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_an_unknown_token_is_refused(operator):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/accounts").status_code == 401


def test_the_address_throttle_is_not_dodged_with_x_forwarded_for(operator, settings):
    settings.GRIDCARE_TRUSTED_PROXY_COUNT = 0
    api = APIClient()
    statuses = [
        api.post(
            URL, {"username": f"guess{i}", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"
        ).status_code
        for i in range(11)
    ]
    assert statuses[10] == 429


def test_a_superuser_issues_a_token_in_the_back_office_shown_once(client, operator):
    root = superuser()
    verified_login(client, root)
    response = client.post("/backoffice/core/apitoken/add/", {"user": operator.pk}, follow=True)
    assert response.status_code == 200
    text = " ".join(str(message) for message in response.context["messages"])
    key = re.search(r"\): ([A-Za-z0-9_-]{40,})", text).group(1)
    token = ApiToken.objects.get(user=operator)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in client.get("/backoffice/core/apitoken/").content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/accounts").status_code == 200


def test_staff_who_are_not_superusers_cannot_see_tokens(client, world, operator):
    from gridcare.org.models import StaffRole as Role

    _token(operator)
    admin = staff(unit=world["teams"][0], role=Role.ADMINISTRATOR, username="chief")
    verified_login(client, admin)
    assert client.get("/backoffice/core/apitoken/").status_code == 403
