"""The OpenAPI schema is valid OpenAPI 3, says what the API really answers, and its docs page needs no third party.

That every answer conforms to the schema is tested by schemathesis (test_schema_conformance.py); this file
checks the schema itself.
"""

import re

import pytest
import schemathesis
from django.core.management import call_command

from gridcare.api.pagination import MAX_LIMIT
from gridcare.api.serializers import PERIOD_PATTERN

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def schema(client, db):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/v1/accounts/{code}/readings", "/api/v1/me/accounts", "/api/v1/auth/token"):
        assert f"{path}:" in text


def test_schema_is_openapi_3_by_the_specification_validator(schema):
    assert schema["openapi"].startswith("3.")
    schemathesis.openapi.from_dict(schema).validate()  # raises on a schema that breaks the OpenAPI 3 spec


def test_periods_are_year_and_month_not_dates(schema):
    periods = {
        name: component["properties"]["period"]
        for name, component in schema["components"]["schemas"].items()
        if "period" in component.get("properties", {})
        and name in {"Bill", "BillDetail", "BillRun", "BillRunDetail"}
    }
    assert set(periods) == {"Bill", "BillDetail", "BillRun", "BillRunDetail"}
    for name, period in periods.items():
        assert period.get("pattern") == PERIOD_PATTERN, name
        assert "format" not in period, name
    assert re.fullmatch(PERIOD_PATTERN, "2025-06") and not re.fullmatch(PERIOD_PATTERN, "2025-06-01")


def test_every_error_answer_is_documented_with_the_error_shape(schema):
    for label, operation in operations(schema):
        responses = operation["responses"]
        errors = {status: body for status, body in responses.items() if status.startswith(("4", "5"))}
        assert errors, f"{label} documents no error answer"
        for status, body in errors.items():
            content = body["content"]["application/json"]["schema"]
            assert set(resolve(schema, content)["required"]) == {"code", "message", "details"}, (
                f"{label} {status}"
            )


def test_protected_operations_document_401_403_and_throttled_ones_429(schema):
    public = {"POST /api/v1/auth/token", "GET /api/v1/tariffs", "GET /api/v1/vat-rates", "POST /api/v1/quotes",
              "POST /api/v1/notifications/receipts/sms", "POST /api/v1/notifications/receipts/zalo",
              "GET /api/v1/schedule/outages", "GET /api/v1/schedule/places"}  # fmt: skip
    for label, operation in operations(schema):
        statuses = set(operation["responses"])
        if label not in public:
            assert {"401", "403"} <= statuses, label
        if label.startswith("GET") and label not in public:
            assert {"400", "404", "429"} <= statuses, label


def test_pages_declare_their_bounds(schema):
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/accounts"]["get"]["parameters"]}
    assert parameters["limit"] == {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}
    assert parameters["offset"]["minimum"] == 0


def test_docs_page_lists_every_operation_and_loads_nothing_from_elsewhere(client, schema):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    for label, _operation in operations(schema):
        method, path = label.split(" ", 1)
        assert f"<code>{path}</code>" in html, label
    assert PERIOD_PATTERN in html  # the docs show the pattern, not only "string"
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert "<script" not in html
