"""Staff obtain an API token with password and TOTP code; the endpoint is throttled."""

import pytest
from rest_framework.test import APIClient

from gridcare.org.models import StaffRole
from tests.backoffice.builders import PASSWORD, current_code, customer_user, staff, totp_device

URL = "/api/v1/auth/token"


@pytest.fixture
def operator(world):
    return staff(unit=world["teams"][0], role=StaffRole.OPERATOR, username="ops")


def test_token_needs_password_and_totp_code(operator):
    device = totp_device(operator)
    api = APIClient()
    assert api.post(URL, {"username": "ops", "password": PASSWORD}).json()["code"] == "otp_required"
    code = current_code(device)
    response = api.post(URL, {"username": "ops", "password": PASSWORD, "otp_token": code})
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/accounts").status_code == 200
    # The same code cannot be replayed.
    replay = api.post(URL, {"username": "ops", "password": PASSWORD, "otp_token": code})
    assert replay.status_code == 401
    assert replay.json()["code"] == "otp_invalid"


def test_wrong_totp_code_is_refused(operator):
    device = totp_device(operator)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = APIClient().post(URL, {"username": "ops", "password": PASSWORD, "otp_token": wrong})
    assert response.status_code == 401
    assert response.json()["code"] == "otp_invalid"


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
