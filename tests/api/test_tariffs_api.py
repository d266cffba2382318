"""Anyone reads the tariff catalogue and prices a consumption through the API, exactly as `gridcare quote` does."""

import io
import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from gridcare.tariffs.models import PricingMethod, TariffVersion, VatRate
from tests.api.test_accounts_api import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def command_json(**options) -> dict:
    args = [part for name, value in options.items() for part in (f"--{name}", str(value))]
    out = io.StringIO()
    call_command("quote", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_every_tariff_version_is_listed_with_its_prices(api):
    response = api.get("/api/v1/tariffs")
    assert response.status_code == 200
    listed = response.json()
    versions = list(TariffVersion.objects.order_by("purpose", "active_from", "pk"))
    assert [v["id"] for v in listed] == [v.pk for v in versions]
    by_id = {v["id"]: v for v in listed}
    for version in versions:
        shown = by_id[version.pk]
        assert (shown["purpose"], shown["method"], shown["decision"], shown["confidence"], shown["divisor"]) == (
            version.purpose, version.method, version.decision, version.confidence, version.proration_divisor
        )  # fmt: skip
        assert shown["active_from"] == version.active_from.isoformat()
        if version.method == PricingMethod.TIERED:
            tiers = list(version.tiers.order_by("position"))
            assert [(t["position"], t["limit_kwh"], t["unit_price"]) for t in shown["tiers"]] == [
                (t.position, t.limit_kwh, t.unit_price) for t in tiers
            ]
            assert shown["tiers"][-1]["limit_kwh"] is None and shown["time_of_use_prices"] == []
        else:
            assert len(shown["time_of_use_prices"]) == version.time_of_use_prices.count() > 0
            assert shown["tiers"] == []


def test_the_1279_residential_version_is_open_ended(api):
    residential = api.get("/api/v1/tariffs", {"purpose": "residential"}).json()
    assert {v["purpose"] for v in residential} == {"residential"}
    latest = residential[-1]
    assert (latest["decision"], latest["active_from"], latest["active_to"]) == (
        "1279/QĐ-BCT",
        "2025-05-10",
        None,
    )
    assert [t["unit_price"] for t in latest["tiers"]][:2] == [1984, 2050]


def test_an_unknown_purpose_filter_is_refused(api):
    body = assert_error(api.get("/api/v1/tariffs", {"purpose": "street_lighting"}), 400, "invalid")
    assert "purpose" in body["details"]


def test_vat_rates_are_listed_oldest_first(api):
    listed = api.get("/api/v1/vat-rates").json()
    rates = list(VatRate.objects.order_by("active_from", "pk"))
    assert [(r["active_from"], r["rate_percent"]) for r in listed] == [
        (r.active_from.isoformat(), float(r.rate_percent)) for r in rates
    ]
    assert 8 in [r["rate_percent"] for r in listed]


@pytest.mark.parametrize(
    "options",
    [
        {"purpose": "residential", "kwh": 350, "start": "2025-04-20", "end": "2025-05-20"},
        {"purpose": "residential", "kwh": 200, "start": "2025-06-01", "end": "2025-07-01", "households": 2},
        {"purpose": "residential", "kwh": 100, "start": "2023-06-16", "end": "2023-07-16"},
        {"purpose": "business", "voltage": "lt6kv", "peak": 1200, "normal": 3000, "offpeak": 800,
         "start": "2025-06-01", "end": "2025-07-01"},
        {"purpose": "business", "voltage": "lt6kv", "kwh": 900, "start": "2025-06-01", "end": "2025-07-01"},
    ],
)  # fmt: skip
def test_a_quote_is_the_same_object_as_the_command_prints(api, options):
    response = api.post("/api/v1/quotes", options, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == command_json(**options)


def test_a_quote_across_a_vat_change_lists_its_parts(api):
    data = api.post(
        "/api/v1/quotes",
        {"purpose": "residential", "kwh": 100, "start": "2023-06-16", "end": "2023-07-16"},
        format="json",
    ).json()
    assert data["vat_rate"] is None
    assert [(p["from"], p["vat_rate"]) for p in data["vat_parts"]] == [
        ("2023-06-16", 0.1),
        ("2023-07-01", 0.08),
    ]
    assert sum(p["subtotal"] for p in data["vat_parts"]) == data["subtotal"]
    assert data["total"] == data["subtotal"] + data["vat"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"purpose": "street_lighting", "kwh": 10, "start": "2025-06-01", "end": "2025-07-01"}, "purpose"),
        ({"purpose": "residential", "kwh": -5, "start": "2025-06-01", "end": "2025-07-01"}, "kwh"),
        ({"purpose": "residential", "kwh": 5, "start": "2025-07-01", "end": "2025-06-01"}, "end"),
        ({"purpose": "residential", "kwh": 5, "start": "2025-07-01", "end": "2025-07-01"}, "end"),
        ({"purpose": "residential", "kwh": 5, "start": "01/06/2025", "end": "2025-07-01"}, "start"),
        ({"purpose": "residential", "start": "2025-06-01", "end": "2025-07-01"}, "kwh"),
        ({"purpose": "residential", "peak": 5, "normal": 1, "offpeak": 1, "start": "2025-06-01", "end": "2025-07-01"}, "kwh"),
        ({"purpose": "business", "kwh": 5, "start": "2025-06-01", "end": "2025-07-01"}, "voltage"),
        ({"purpose": "business", "voltage": "lt6kv", "kwh": 5, "peak": 1, "start": "2025-06-01", "end": "2025-07-01"}, "kwh"),
        ({"purpose": "residential", "kwh": 5, "households": 0, "start": "2025-06-01", "end": "2025-07-01"}, "households"),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field(api, payload, field):
    body = assert_error(api.post("/api/v1/quotes", payload, format="json"), 400, "invalid")
    assert field in body["details"]


def test_a_hospitals_quote_is_priced_at_the_public_service_price(api):
    payload = {
        "purpose": "public_service",
        "voltage": "6to22kv",
        "kwh": 100,
        "start": "2025-06-01",
        "end": "2025-07-01",
    }
    response = api.post("/api/v1/quotes", payload, format="json")
    assert response.status_code == 200, response.content
    # 1279 at 6 kV and above: 100 kWh × 1,940 = 194,000 đồng, VAT 8 % = 15,520.
    assert (response.json()["subtotal"], response.json()["vat"]) == (194_000, 15_520)


def test_a_purpose_without_a_tariff_says_so(api):
    # The catalogue's first administrative prices are those of 11/10/2024 (2699/QĐ-BCT).
    payload = {
        "purpose": "administrative",
        "voltage": "lt6kv",
        "kwh": 100,
        "start": "2024-06-01",
        "end": "2024-07-01",
    }
    body = assert_error(api.post("/api/v1/quotes", payload, format="json"), 400, "no_tariff")
    assert body["details"] == {"day": "2024-06-01", "purpose": "administrative", "voltage": None}
    assert "01/06/2024" in body["message"]


def test_business_prices_before_1279_are_not_configured(api):
    payload = {
        "purpose": "business",
        "voltage": "lt6kv",
        "kwh": 100,
        "start": "2025-04-01",
        "end": "2025-05-01",
    }
    assert_error(api.post("/api/v1/quotes", payload, format="json"), 400, "no_tariff")


def test_no_tariff_message_follows_the_request_language(api):
    payload = {
        "purpose": "administrative",
        "voltage": "lt6kv",
        "kwh": 100,
        "start": "2024-06-01",
        "end": "2024-07-01",
    }
    vi = api.post("/api/v1/quotes", payload, format="json", HTTP_ACCEPT_LANGUAGE="vi").json()["message"]
    en = api.post("/api/v1/quotes", payload, format="json", HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    assert vi.startswith("Chưa có biểu giá") and en != vi


def test_anonymous_quotes_are_throttled_per_address(api):
    payload = {"purpose": "residential", "kwh": 100, "start": "2025-06-01", "end": "2025-07-01"}
    statuses = [api.post("/api/v1/quotes", payload, format="json").status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20
    body = assert_error(api.post("/api/v1/quotes", payload, format="json"), 429, "throttled")
    assert body["details"]["wait"] > 0


def test_quotes_are_not_read_with_get(api):
    assert_error(api.get("/api/v1/quotes"), 405, "method_not_allowed")
