"""Provider callbacks over HTTP: signed receipts change the outbox; forged, stale or malformed ones do not."""

import httpx
import pytest

from gridcare.notifications import delivery, services
from gridcare.notifications.models import DeliveryReceipt, OutboxMessage
from tests.notifications.builders import NOON, contact_account, template
from tests.notifications.receipt_senders import SMS_SECRET, ZALO_OA_SECRET, sms_callback, zalo_event

SMS_URL = "/api/v1/notifications/receipts/sms"
ZALO_URL = "/api/v1/notifications/receipts/zalo"


@pytest.fixture
def secrets_set(settings):
    settings.GRIDCARE_SMS_CALLBACK_SECRET = SMS_SECRET
    settings.GRIDCARE_ZNS_WEBHOOK_SECRET = ZALO_OA_SECRET
    settings.GRIDCARE_ZNS_APP_ID = "app-1"


def _post(client, url, body, headers):
    return client.post(url, data=body, content_type="application/json", headers=headers)


def _sent(world, channel, server, clock, phone="+84902000001"):
    acct = contact_account(world, phone=phone, zalo="zuid-1" if channel == "zalo" else "")
    template(
        key="hello", channel=channel, body="Xin chao", zns_template_id="991" if channel == "zalo" else ""
    )
    services.notify(topic="programmes", recipients=[acct.pk], template="hello", channels=[channel], now=NOON)
    delivery.deliver_batch(channel=channel, clock=clock, sleep=clock.sleep)
    return OutboxMessage.objects.get(account=acct, channel=channel)


def test_sms_receipt_marks_the_message_delivered(world, client, secrets_set, sms_server, clock):
    row = _sent(world, "sms", sms_server, clock)
    body, headers = sms_callback(
        [{"message_id": row.provider_ref, "status": "delivered"}, {"message_id": "x"}]
    )
    response = _post(client, SMS_URL, body, headers)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "received": 1, "applied": 1, "waiting": 0, "ignored": 1, "rejected": [],
    }  # fmt: skip
    row.refresh_from_db()
    assert row.status == "delivered"


def test_zalo_webhook_marks_zns_delivered_and_acknowledges_other_events(
    world, client, secrets_set, zns_server, clock
):
    row = _sent(world, "zalo", zns_server, clock)
    assert row.status == "sent" and row.provider_ref
    body, headers = zalo_event("unrelated", event="follow")
    assert _post(client, ZALO_URL, body, headers).json()["ignored"] == 1
    body, headers = zalo_event(row.provider_ref)
    assert _post(client, ZALO_URL, body, headers).json()["applied"] == 1
    row.refresh_from_db()
    assert row.status == "delivered"


@pytest.mark.parametrize("url", [SMS_URL, ZALO_URL])
def test_forged_callbacks_get_401_and_change_nothing(
    world, client, secrets_set, sms_server, clock, url, settings
):
    settings.LANGUAGE_CODE = "vi"
    row = _sent(world, "sms", sms_server, clock)
    if url == SMS_URL:
        body, headers = sms_callback([{"message_id": row.provider_ref, "status": "failed"}], secret="guessed")
    else:
        body, headers = zalo_event(row.provider_ref, secret="guessed")
    response = _post(client, url, body, headers)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert "Chữ ký" in response.json()["message"]
    row.refresh_from_db()
    assert row.status == "sent"
    assert not DeliveryReceipt.objects.exists()


def test_malformed_body_and_missing_configuration(db, client, settings):
    settings.GRIDCARE_SMS_CALLBACK_SECRET = SMS_SECRET
    body, headers = sms_callback([])
    bad = b"{not json"
    import hashlib
    import hmac

    stamp = headers["X-Gridcare-Timestamp"]
    headers["X-Gridcare-Signature"] = (
        "sha256=" + hmac.new(SMS_SECRET.encode(), stamp.encode() + b"." + bad, hashlib.sha256).hexdigest()
    )
    response = _post(client, SMS_URL, bad, headers)
    assert (response.status_code, response.json()["code"]) == (400, "parse_error")
    settings.GRIDCARE_SMS_CALLBACK_SECRET = ""
    response = _post(client, SMS_URL, *sms_callback([{"message_id": "m1", "status": "delivered"}]))
    assert (response.status_code, response.json()["code"]) == (503, "not_configured")


def test_callbacks_need_no_session_or_csrf_but_only_post(db, secrets_set):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert (
        _post(strict, SMS_URL, *sms_callback([{"message_id": "m1", "status": "delivered"}])).status_code
        == 200
    )
    assert strict.get(SMS_URL).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_provider_calls_back_over_real_http(world, live_server, secrets_set, sms_server, clock):
    """The whole loop on sockets: our worker sends to the local provider, the provider posts a signed receipt back."""
    rows = [_sent(world, "sms", sms_server, clock, phone=f"+8490200001{i}") for i in range(3)]
    report = [
        {"message_id": r.provider_ref, "status": "delivered", "at": "2026-03-10T12:00:30+07:00"}
        for r in rows[:2]
    ]
    report.append({"message_id": rows[2].provider_ref, "status": "expired", "error": "hết hạn chờ"})
    body, headers = sms_callback(report)
    with httpx.Client(base_url=live_server.url, timeout=10) as provider:
        first = provider.post(SMS_URL, content=body, headers=headers)
        replay = provider.post(SMS_URL, content=body, headers=headers)
    assert first.status_code == 200 and first.json()["applied"] == 3
    assert replay.status_code == 200 and replay.json()["applied"] == 0
    statuses = dict(OutboxMessage.objects.filter(channel="sms").values_list("provider_ref", "status"))
    assert [statuses[r.provider_ref] for r in rows] == ["delivered", "delivered", "failed"]
    assert OutboxMessage.objects.get(pk=rows[2].pk).last_error == "hết hạn chờ"
