"""Public schedule endpoints: no sign-in, exactly one place, nothing personal, clear errors, throttled."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from gridcare.outages.models import OutageKind, OutageStatus
from tests import factories
from tests.outages.schedule_builders import outage
from tests.portal.test_schedule import local


@pytest.fixture
def api():
    cache.clear()
    return APIClient()


@pytest.fixture
def outages(world):
    acct = factories.account(world, name="Lê Thị Riêng Tư", phone="+84911111111")
    station_a, station_b = world["stations"][world["teams"][0]], world["stations"][world["teams"][1]]
    return {
        "acct": acct,
        "planned": outage(world, start=local(2, 8), end=local(2, 17), place="khu vực chợ Ninh Kiều", stations=[station_a],
                          revision=1, status=OutageStatus.CHANGED),
        "incident": outage(world, kind=OutageKind.INCIDENT, status=OutageStatus.IN_PROGRESS, start=local(0, 0, 5), end=None,
                           place="hẻm 51", communes=[world["communes"][0]]),
        "elsewhere": outage(world, start=local(4, 7), end=local(4, 9), place="ấp Nhơn Lộc", stations=[station_b]),
    }  # fmt: skip


def test_a_commune_lists_its_announced_outages_in_local_time(api, world, outages):
    response = api.get("/api/v1/schedule/outages", {"commune": world["communes"][0].code})
    assert response.status_code == 200
    data = response.json()
    assert data["area"] == "Phường Ninh Kiều, Cần Thơ"
    assert data["calendar_url"].endswith(f"/schedule/communes/{world['communes'][0].code}.ics")
    assert [o["place"] for o in data["outages"]] == ["hẻm 51", "khu vực chợ Ninh Kiều"]
    planned = data["outages"][1]
    assert planned == {
        "id": outages["planned"].pk, "kind": "planned", "status": "changed", "place": "khu vực chợ Ninh Kiều",
        "reason": "Bảo trì lưới điện", "emergency": False, "begins_at": local(2, 8).isoformat(),
        "ends_at": local(2, 17).isoformat(), "revision": 1,
    }  # fmt: skip
    assert data["outages"][0]["ends_at"] is None
    assert response["Cache-Control"] == "public, max-age=60"


def test_a_customer_code_answers_its_areas_outages_without_repeating_anything_personal(api, outages):
    acct = outages["acct"]
    response = api.get("/api/v1/schedule/outages", {"customer_code": acct.code.lower()})
    assert response.status_code == 200
    text = response.content.decode()
    assert [o["place"] for o in response.json()["outages"]] == ["hẻm 51", "khu vực chợ Ninh Kiều"]
    assert response.json()["area"] == "" and response.json()["calendar_url"] is None
    for personal in ("Lê Thị Riêng Tư", "+84911111111", acct.premise.street):
        assert personal not in text
    assert response["Cache-Control"] == "private, max-age=60"


def test_a_province_and_the_places(api, world, outages):
    data = api.get("/api/v1/schedule/outages", {"province": world["province"].code}).json()
    assert {o["place"] for o in data["outages"]} == {"hẻm 51", "khu vực chợ Ninh Kiều", "ấp Nhơn Lộc"}
    assert data["calendar_url"] is None
    assert api.get("/api/v1/schedule/places").json() == [{"code": "92", "name": "Cần Thơ"}]
    assert api.get("/api/v1/schedule/places", {"province": "92"}).json() == [
        {"code": "92-001", "name": "Phường Ninh Kiều"}, {"code": "92-002", "name": "Xã Phong Điền"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({}, 400, "invalid"),
        ({"province": "92", "commune": "92-001"}, 400, "invalid"),
        ({"customer_code": "PB0000000000000"}, 404, "not_found"),
        ({"customer_code": "x" * 300}, 404, "not_found"),
        ({"commune": "00-000"}, 404, "not_found"),
        ({"province": "00"}, 404, "not_found"),
    ],
)
def test_bad_lookups_are_clear_errors(api, outages, query, status, code):
    response = api.get("/api/v1/schedule/outages", query)
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["message"]


def test_anonymous_callers_are_throttled(api, outages, world):
    statuses = [
        api.get("/api/v1/schedule/outages", {"commune": world["communes"][0].code}).status_code
        for _ in range(31)
    ]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_the_endpoints_are_in_the_openapi_schema_without_authentication(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/v1/schedule/outages", "/api/v1/schedule/places"):
        operation = schema["paths"][path]["get"]
        assert {} in operation["security"]  # no credentials needed
        assert "404" in operation["responses"] and "429" in operation["responses"]
