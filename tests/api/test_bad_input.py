"""Bad sizes and malformed input get a 400 (or 413) in the API's error format, never a 500."""

import datetime as dt
import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from gridcare.api.pagination import MAX_LIMIT
from gridcare.billing import services
from gridcare.org.models import StaffRole
from tests import factories
from tests.api.test_accounts_api import assert_error, token_client
from tests.backoffice.builders import customer_user, staff, superuser


@pytest.fixture
def reader(world):
    account = factories.account(world, name="Khách X")
    factories.readings(account, [100, 180, 250])
    return {"client": token_client(staff(unit=world["teams"][0], role=StaffRole.VIEWER)), "account": account}


@pytest.mark.parametrize(
    "limit", [str(10**30), "9223372036854775808", "0", "-1", "abc", "1.5", str(MAX_LIMIT + 1)]
)
def test_a_limit_out_of_range_is_a_400_naming_the_parameter(reader, limit):
    body = assert_error(reader["client"].get("/api/v1/accounts", {"limit": limit}), 400, "invalid")
    assert "limit" in body["details"]


@pytest.mark.parametrize("offset", [str(10**30), "-1", "x"])
def test_an_offset_out_of_range_is_a_400_naming_the_parameter(reader, offset):
    code = reader["account"].code
    body = assert_error(
        reader["client"].get(f"/api/v1/accounts/{code}/readings", {"offset": offset}), 400, "invalid"
    )
    assert "offset" in body["details"]


def test_limits_in_range_still_page(reader):
    code = reader["account"].code
    response = reader["client"].get(f"/api/v1/accounts/{code}/readings", {"limit": "2", "offset": "1"})
    assert response.status_code == 200
    page = response.json()
    assert (page["count"], [r["total"] for r in page["results"]]) == (3, [180, 100])
    assert reader["client"].get("/api/v1/accounts", {"limit": str(MAX_LIMIT)}).status_code == 200


def test_the_bill_runs_skipped_page_checks_its_limit_too(world):
    run = services.bill_run_create(
        period=dt.date(2025, 6, 1), route=None, now=dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    )
    client = token_client(superuser())
    assert_error(client.get(f"/api/v1/bill-runs/{run.pk}", {"limit": str(10**30)}), 400, "invalid")


def test_deeply_nested_json_is_a_400_not_a_recursion(reader):
    deep = "[" * 100_000 + "]" * 100_000
    response = reader["client"].post("/api/v1/quotes", deep, content_type="application/json")
    body = assert_error(response, 400, "json_too_deep")
    assert "32" in body["message"]


def test_json_nested_past_the_limit_but_parseable_is_refused_too(reader):
    nested: dict = {}
    for _ in range(40):
        nested = {"a": nested}
    response = reader["client"].post("/api/v1/quotes", json.dumps(nested), content_type="application/json")
    assert_error(response, 400, "json_too_deep")


def test_malformed_json_is_a_parse_error(reader):
    for text in ("{", '{"purpose": NaN}', b"\xff\xfe{}"):
        assert_error(
            reader["client"].post("/api/v1/quotes", text, content_type="application/json"), 400, "parse_error"
        )


@override_settings(GRIDCARE_REQUEST_MAX_BYTES=1000)
def test_a_json_body_over_the_cap_is_a_413_before_it_is_read(reader):
    big = json.dumps({"purpose": "residential", "note": "x" * 2000})
    body = assert_error(
        reader["client"].post("/api/v1/quotes", big, content_type="application/json"),
        413,
        "request_too_large",
    )
    assert body["details"]["max_bytes"] == 1000


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100, GRIDCARE_REQUEST_MAX_BYTES=10_000)
def test_a_form_body_over_djangos_cap_is_a_413_not_a_500(reader):
    form = "purpose=" + "x" * 500
    response = reader["client"].post("/api/v1/quotes", form, content_type="application/x-www-form-urlencoded")
    assert_error(response, 413, "request_too_large")


@override_settings(GRIDCARE_REQUEST_MAX_BYTES=1000)
def test_a_page_body_over_the_cap_is_a_413_too(client, db):
    response = client.post("/", "x" * 2000, content_type="text/plain")
    assert response.status_code == 413


@pytest.mark.parametrize(
    "path",
    ["/api/v1/accounts/PB13%00", "/api/v1/accounts?phone=%2B84%00", "/api/v1/bills/2025%00/pdf", "/api/v1/tariffs?purpose=%00",
     "/api/v1/accounts/PB13000000001/readings?date_from=2025-01-01%00"],
)  # fmt: skip
def test_nul_characters_in_the_address_are_refused_not_a_database_error(reader, path):
    response = reader["client"].get(path)
    assert response.status_code in (400, 404), response.content
    assert set(response.json()) == {"code", "message", "details"}


def test_an_unknown_address_answers_a_json_404_to_a_post_with_a_session_too(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(customer_user(factories.account(world)))
    assert_error(client.post("/api/v1/bill-runs/-1/release"), 404, "not_found")


@pytest.mark.parametrize("field", ["kwh", "households"])
def test_a_quote_of_an_absurd_size_is_a_400(db, field):
    body = {"purpose": "residential", "start": "2025-05-05", "end": "2025-06-05", "kwh": 100, field: 10**30}
    response = APIClient().post("/api/v1/quotes", body, format="json")
    assert field in assert_error(response, 400, "invalid")["details"]
