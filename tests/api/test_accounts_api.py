"""The API shows a customer only their own accounts and readings, staff only their units'; errors are uniform."""

import pytest
from rest_framework.test import APIClient

from gridcare.org.models import StaffRole
from tests import factories
from tests.backoffice.builders import api_token, customer_user, staff, verified_login


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def accounts(world):
    x = factories.account(world, team=world["teams"][0], name="Khách X")
    y = factories.account(world, team=world["teams"][1], name="Khách Y")
    factories.readings(x, [100, 180, 250])
    factories.readings(y, [500, 560])
    return {"x": x, "y": y}


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert body["message"]
    return body


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def test_customer_reads_own_accounts_and_readings(api, accounts):
    api.force_login(customer_user(accounts["x"]))
    mine = api.get("/api/v1/me/accounts")
    assert mine.status_code == 200
    assert [a["code"] for a in mine.json()] == [accounts["x"].code]
    detail = api.get(f"/api/v1/accounts/{accounts['x'].code}")
    assert detail.json()["customer_name"] == "Khách X"
    readings = api.get(f"/api/v1/accounts/{accounts['x'].code}/readings")
    assert [r["total"] for r in readings.json()["results"]] == [250, 180, 100]


def test_customer_gets_404_for_another_customers_account(api, accounts):
    api.force_login(customer_user(accounts["x"]))
    assert_error(api.get(f"/api/v1/accounts/{accounts['y'].code}"), 404, "not_found")
    assert_error(api.get(f"/api/v1/accounts/{accounts['y'].code}/readings"), 404, "not_found")
    # Exactly like a code that does not exist: nothing tells the two apart.
    missing = api.get("/api/v1/accounts/PB13999999999")
    assert missing.json() == api.get(f"/api/v1/accounts/{accounts['y'].code}").json()
    listed = api.get("/api/v1/accounts")
    assert [a["code"] for a in listed.json()["results"]] == [accounts["x"].code]


def test_lower_case_code_finds_own_account(api, accounts):
    api.force_login(customer_user(accounts["x"]))
    assert api.get(f"/api/v1/accounts/{accounts['x'].code.lower()}").status_code == 200


def test_staff_token_sees_own_team_only(world, accounts):
    client = token_client(staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    assert [a["code"] for a in client.get("/api/v1/accounts").json()["results"]] == [accounts["x"].code]
    assert client.get(f"/api/v1/accounts/{accounts['x'].code}/readings").status_code == 200
    assert_error(client.get(f"/api/v1/accounts/{accounts['y'].code}"), 404, "not_found")
    assert_error(client.get(f"/api/v1/accounts/{accounts['y'].code}/readings"), 404, "not_found")


def test_company_staff_see_both_teams(world, accounts):
    client = token_client(staff(unit=world["company"], role=StaffRole.VIEWER))
    codes = [a["code"] for a in client.get("/api/v1/accounts").json()["results"]]
    assert codes == sorted([accounts["x"].code, accounts["y"].code])


def test_staff_are_told_to_use_accounts_instead_of_me(world, accounts):
    client = token_client(staff(unit=world["company"], role=StaffRole.VIEWER))
    assert_error(client.get("/api/v1/me/accounts"), 403, "not_a_customer")


def test_staff_session_needs_two_factor(api, world, accounts):
    user = staff(unit=world["company"], role=StaffRole.VIEWER)
    api.force_login(user)
    assert_error(api.get("/api/v1/accounts"), 403, "permission_denied")
    verified_login(api, user)
    assert api.get("/api/v1/accounts").status_code == 200


def test_user_who_is_neither_customer_nor_staff_is_refused(api, django_user_model, accounts):
    api.force_login(django_user_model.objects.create_user(username="nobody", password="x-very-long-pw"))
    assert_error(api.get("/api/v1/accounts"), 403, "permission_denied")
    assert_error(api.get("/api/v1/me/accounts"), 403, "not_a_customer")


def test_anonymous_gets_401_envelope(api, accounts):
    body = assert_error(api.get(f"/api/v1/accounts/{accounts['x'].code}"), 401, "not_authenticated")
    assert body["details"] == {}


def test_bad_token_is_401(api, accounts):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(api.get("/api/v1/accounts"), 401, "authentication_failed")


def test_wrong_method_unknown_address_and_invalid_query_use_the_envelope(api, accounts):
    api.force_login(customer_user(accounts["x"]))
    assert_error(api.delete(f"/api/v1/accounts/{accounts['x'].code}"), 405, "method_not_allowed")
    assert_error(api.get("/api/v1/no-such-thing"), 404, "not_found")
    body = assert_error(
        api.get(f"/api/v1/accounts/{accounts['x'].code}/readings", {"date_from": "2025-03-01", "date_to": "2025-02-01"}),
        400, "invalid",
    )  # fmt: skip
    assert "date_to" in body["details"]
    assert_error(
        api.get(f"/api/v1/accounts/{accounts['x'].code}/readings", {"date_from": "tomorrow"}), 400, "invalid"
    )


def test_readings_date_range(api, accounts):
    api.force_login(customer_user(accounts["x"]))
    response = api.get(
        f"/api/v1/accounts/{accounts['x'].code}/readings",
        {"date_from": "2025-02-01", "date_to": "2025-03-05"},
    )
    assert [r["read_on"] for r in response.json()["results"]] == ["2025-02-05"]


def test_error_messages_follow_the_request_language(api, accounts):
    vi = api.get("/api/v1/accounts", HTTP_ACCEPT_LANGUAGE="vi").json()["message"]
    en = api.get("/api/v1/accounts", HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    assert vi.startswith("Cần đăng nhập")
    assert en != vi
