"""What OpenADR 3.0.1 lets a VEN write (scopes write_reports, write_subscriptions, write_vens), each scoped to
that VEN: its reports, its subscriptions, its own VEN object and its resources. Another VEN's objects are 404;
programs and events stay the utility's (403)."""

import datetime as dt
import json

import pytest

from gridcare.flexibility import services
from gridcare.flexibility.models import VenReport, VenResource, VenSubscription
from tests.backoffice.builders import superuser
from tests.flexibility.builders import call, enrol, large_account, programme

BASE = "/openadr3/3.0.1"


def _ven(prog, account, name):
    now = dt.datetime.now(dt.UTC)
    ven, client_id, secret = services.ven_register(
        user=superuser(f"root-{name}"), account=account, ven_name=name, now=now
    )
    token, _ttl = services.ven_token_issue(client_id=client_id, client_secret=secret, now=now)
    return ven, {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def two_vens(world, settings):
    settings.GRIDCARE_OPENADR_PRIVATE_CALLBACKS = True  # callbacks on this machine
    prog = programme(world, code="DR-W")
    mine, theirs = (
        large_account(world),
        large_account(world, name="Công ty Dệt Nam Định", phone="+84912000111"),
    )
    enrol(prog, mine)
    enrol(prog, theirs)
    event = call(prog)
    return prog, event, _ven(prog, mine, "EMS-MINE"), _ven(prog, theirs, "EMS-THEIRS")


def _send(client, method, path, headers, body=None):
    call_ = getattr(client, method)
    return call_(
        f"{BASE}/{path}",
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        **headers,
    )


def test_a_ven_writes_its_reports_subscriptions_own_ven_and_resources(client, two_vens):
    prog, event, (ven, auth), _other = two_vens
    hook = {"objects": ["EVENT"], "operations": ["CREATE"], "callbackUrl": "http://127.0.0.1:9/cb"}
    made = _send(
        client,
        "post",
        "subscriptions",
        auth,
        {"clientName": "EMS-MINE", "programID": str(prog.pk), "objectOperations": [hook]},
    )
    assert made.status_code == 201, made.content
    sub_id = made.json()["id"]
    changed = _send(client, "put", f"subscriptions/{sub_id}", auth,
                    {"clientName": "EMS-MINE", "programID": str(prog.pk), "objectOperations": [{**hook, "operations": ["CREATE", "DELETE"]}]})  # fmt: skip
    assert changed.status_code == 200 and changed.json()["objectOperations"][0]["operations"] == [
        "CREATE",
        "DELETE",
    ]

    report = {"programID": str(prog.pk), "eventID": str(event.pk), "clientName": "EMS-MINE", "reportName": "answer",
              "resources": [{"resourceName": "MAIN", "intervals": [
                  {"id": 0, "payloads": [{"type": "USAGE", "values": [12.5]}]}]}]}  # fmt: skip
    made = _send(client, "post", "reports", auth, report)
    assert made.status_code == 201, made.content
    report_id = made.json()["id"]
    assert (
        _send(client, "put", f"reports/{report_id}", auth, {**report, "reportName": "answer-2"}).status_code
        == 200
    )
    assert VenReport.objects.get(pk=report_id).report_name == "answer-2"

    own = _send(
        client,
        "put",
        f"vens/{ven.pk}",
        auth,
        {"venName": "EMS-MINE", "attributes": [{"type": "LOCATION", "values": ["Hải Phòng"]}]},
    )
    assert own.status_code == 200 and own.json()["attributes"] == [
        {"type": "LOCATION", "values": ["Hải Phòng"]}
    ]
    made = _send(
        client, "post", f"vens/{ven.pk}/resources", auth, {"resourceName": "FURNACE", "venID": str(ven.pk)}
    )
    assert made.status_code == 201, made.content
    resource_id = made.json()["id"]
    assert (
        _send(
            client, "put", f"vens/{ven.pk}/resources/{resource_id}", auth, {"resourceName": "FURNACE-2"}
        ).status_code
        == 200
    )
    assert VenResource.objects.get(pk=resource_id).resource_name == "FURNACE-2"
    assert _send(client, "delete", f"vens/{ven.pk}/resources/{resource_id}", auth).status_code == 200
    assert _send(client, "delete", f"reports/{report_id}", auth).status_code == 200
    assert _send(client, "delete", f"subscriptions/{sub_id}", auth).status_code == 200
    assert (
        not VenResource.objects.filter(pk=resource_id).exists()
        and not VenSubscription.objects.filter(pk=sub_id).exists()
    )


def test_another_vens_objects_are_not_found_and_programs_and_events_stay_the_utilitys(client, two_vens):
    prog, event, (ven, auth), (other, other_auth) = two_vens
    now = dt.datetime.now(dt.UTC)
    theirs = services.ven_subscription_save(
        ven=other, client_name="EMS-THEIRS", programme=prog, now=now, targets=[],
        object_operations=[{"objects": ["EVENT"], "operations": ["CREATE"], "callbackUrl": "http://127.0.0.1:9/cb"}],
    )  # fmt: skip
    resource = services.ven_resource_save(ven=other, resource_name="PUMP", attributes=[], targets=[], now=now)
    report = services.ven_report_save(ven=other, event=event, client_name="EMS-THEIRS", report_name="", payload_descriptors=[],
                                      resources=[], now=now)  # fmt: skip
    assert _send(client, "put", f"vens/{other.pk}", auth, {"venName": "EMS-THEIRS"}).status_code == 404
    assert _send(client, "post", f"vens/{other.pk}/resources", auth, {"resourceName": "X"}).status_code == 404
    assert _send(client, "delete", f"vens/{other.pk}/resources/{resource.pk}", auth).status_code == 404
    assert _send(client, "delete", f"subscriptions/{theirs.pk}", auth).status_code == 404
    assert _send(client, "delete", f"reports/{report.pk}", auth).status_code == 404
    assert (
        VenSubscription.objects.filter(pk=theirs.pk).exists()
        and VenResource.objects.filter(pk=resource.pk).exists()
    )
    assert (
        _send(client, "post", "events", auth, {"programID": str(prog.pk), "intervals": []}).status_code == 403
    )
    assert _send(client, "delete", f"programs/{prog.pk}", auth).status_code == 403


@pytest.mark.parametrize(
    "text",
    ["U\x00P", "\ud83d"],  # a NUL character (refused by PostgreSQL's jsonb) and a lone surrogate (not UTF-8)
)
def test_a_resource_with_text_the_database_cannot_store_is_refused_clearly(client, two_vens, text):
    _prog, _event, (ven, auth), _other = two_vens
    body = {"resourceName": "FURNACE", "venID": str(ven.pk), "attributes": [{"type": "X", "values": [text]}]}
    refused = _send(client, "post", f"vens/{ven.pk}/resources", auth, body)
    assert refused.status_code == 400, refused.content
    assert "NUL" in refused.json()["detail"]
    assert _send(client, "get", f"vens/{ven.pk}/resources", auth).json() == []
