"""The OpenAPI schema generates without warnings and the docs page needs no third-party request."""

import re

from django.core.management import call_command


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/v1/accounts/{code}/readings", "/api/v1/me/accounts", "/api/v1/auth/token"):
        assert f"{path}:" in text


def test_schema_is_served(client, db):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_docs_page_lists_operations_and_loads_nothing_from_elsewhere(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/accounts/{code}/readings" in html
    assert "AccountList" not in html or "Account" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert "<script" not in html
