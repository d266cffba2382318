"""Delivery receipts: signatures checked, receipts kept, applied once, early receipts wait for their message."""

import datetime as dt

import pytest

from gridcare.notifications import delivery, receipts, services
from gridcare.notifications.models import DeliveryReceipt, OutboxMessage
from gridcare.notifications.receipts import CallbackError, Receipt
from tests.notifications.builders import NOON, contact_account, template
from tests.notifications.receipt_senders import SMS_SECRET, ZALO_OA_SECRET, sms_callback, zalo_event


@pytest.fixture
def secrets_set(settings):
    settings.GRIDCARE_SMS_CALLBACK_SECRET = SMS_SECRET
    settings.GRIDCARE_ZNS_WEBHOOK_SECRET = ZALO_OA_SECRET
    settings.GRIDCARE_ZNS_APP_ID = "app-1"


def _sms_parse(body, headers, now=None):
    now = now or dt.datetime.now(dt.UTC)
    return receipts.sms_callback_parse(
        body=body,
        timestamp=headers["X-Gridcare-Timestamp"],
        signature=headers["X-Gridcare-Signature"],
        now=now,
    )


def test_sms_callback_is_read_when_signed(secrets_set):
    body, headers = sms_callback(
        [
            {"message_id": "m1", "status": "delivered", "at": "2026-03-10T12:00:05+07:00"},
            {"message_id": "m2", "status": "UNDELIVERED", "error": "thuê bao tắt máy"},
            {"message_id": "m3", "status": "buffered"},
            {"status": "delivered"},
            {"message_id": "m4", "status": "delivered", "at": "2026-03-10 12:00"},
        ]
    )
    parsed = _sms_parse(body, headers)
    assert [(r.provider_ref, r.delivered, r.error) for r in parsed.receipts] == [
        ("m1", True, ""), ("m2", False, "thuê bao tắt máy")
    ]  # fmt: skip
    assert parsed.receipts[0].occurred_at == dt.datetime(2026, 3, 10, 5, 0, 5, tzinfo=dt.UTC)
    assert parsed.ignored == 1
    assert [r["index"] for r in parsed.rejected] == [3, 4]
    assert "offset" in parsed.rejected[1]["reason"]


@pytest.mark.parametrize(
    "tamper",
    ["body", "secret", "stale", "future", "no_signature"],
)
def test_sms_callback_refuses_forged_or_stale(secrets_set, tamper):
    now = dt.datetime.now(dt.UTC)
    stamp = {"stale": now.timestamp() - 301, "future": now.timestamp() + 301}.get(tamper, now.timestamp())
    body, headers = sms_callback(
        [{"message_id": "m1", "status": "delivered"}],
        secret="wrong" if tamper == "secret" else SMS_SECRET,
        timestamp=stamp,
    )
    if tamper == "body":
        body = body.replace(b"m1", b"m2")
    if tamper == "no_signature":
        headers["X-Gridcare-Signature"] = ""
    with pytest.raises(CallbackError) as err:
        _sms_parse(body, headers, now=now)
    assert err.value.status == 401
    assert err.value.code == ("stale_callback" if tamper in ("stale", "future") else "invalid_signature")


def test_callbacks_are_refused_when_no_secret_is_configured(db, settings):
    settings.GRIDCARE_SMS_CALLBACK_SECRET = ""
    settings.GRIDCARE_ZNS_WEBHOOK_SECRET = ""
    body, headers = sms_callback([{"message_id": "m1", "status": "delivered"}])
    with pytest.raises(CallbackError) as err:
        _sms_parse(body, headers)
    assert (err.value.code, err.value.status) == ("not_configured", 503)
    body, headers = zalo_event("z1")
    with pytest.raises(CallbackError):
        receipts.zalo_callback_parse(
            body=body, signature=headers["X-ZEvent-Signature"], now=dt.datetime.now(dt.UTC)
        )


def test_zalo_event_is_verified_and_only_deliveries_count(secrets_set):
    now = dt.datetime.now(dt.UTC)
    body, headers = zalo_event("z1")
    parsed = receipts.zalo_callback_parse(body=body, signature=headers["X-ZEvent-Signature"], now=now)
    assert [(r.provider_ref, r.delivered) for r in parsed.receipts] == [("z1", True)]
    assert abs((parsed.receipts[0].occurred_at - now).total_seconds()) < 5
    body, headers = zalo_event(
        "z1", event="user_send_text"
    )  # a follower's message: for the OA link, not a receipt
    parsed = receipts.zalo_callback_parse(body=body, signature=headers["X-ZEvent-Signature"], now=now)
    assert (parsed.receipts, parsed.ignored, parsed.oa_event["event_name"]) == ([], 0, "user_send_text")
    body, headers = zalo_event("z1", event="user_seen_message")
    parsed = receipts.zalo_callback_parse(body=body, signature=headers["X-ZEvent-Signature"], now=now)
    assert (parsed.receipts, parsed.ignored, parsed.oa_event) == ([], 1, None)
    for forged in (zalo_event("z1", secret="other"), zalo_event("z1", app_id="app-2", secret=ZALO_OA_SECRET)):
        with pytest.raises(CallbackError) as err:
            receipts.zalo_callback_parse(body=forged[0], signature=forged[1]["X-ZEvent-Signature"], now=now)
        assert err.value.code == "invalid_signature"
    # Zalo re-sends a failed webhook with the same body for about an hour: still accepted; older is refused.
    hour_ago = int((now.timestamp() - 3600) * 1000)
    body, headers = zalo_event("z2", at_ms=hour_ago)
    assert receipts.zalo_callback_parse(body=body, signature=headers["X-ZEvent-Signature"], now=now).receipts
    body, headers = zalo_event("z3", at_ms=hour_ago - 7200 * 1000)
    with pytest.raises(CallbackError) as err:
        receipts.zalo_callback_parse(body=body, signature=headers["X-ZEvent-Signature"], now=now)
    assert err.value.code == "stale_callback"


def _sent_sms(world, sms_server, clock, n=2):
    accounts = [contact_account(world, phone=f"+8490200000{i}") for i in range(1, n + 1)]
    template(key="hello", channel="sms", body="Xin chao")
    services.notify(topic="programmes", recipients=[a.pk for a in accounts], template="hello", now=NOON)
    delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep)
    return list(OutboxMessage.objects.filter(channel="sms").order_by("pk"))


def test_receipts_move_sent_messages_once(world, sms_server, clock):
    first, second = _sent_sms(world, sms_server, clock)
    later = NOON + dt.timedelta(seconds=9)
    batch = [
        Receipt(provider_ref=first.provider_ref, delivered=True, occurred_at=later),
        Receipt(provider_ref=second.provider_ref, delivered=False, occurred_at=later, error="expired"),
    ]
    assert receipts.receipts_record(channel="sms", receipts=batch, now=later) == {
        "received": 2,
        "applied": 2,
        "waiting": 0,
    }
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.delivered_at) == ("delivered", later)
    assert (second.status, second.last_error) == ("failed", "expired")
    # A replay changes nothing and stores nothing new; a late "failed" does not undo a delivery.
    again = receipts.receipts_record(channel="sms", receipts=batch, now=later)
    assert again == {"received": 2, "applied": 0, "waiting": 0}
    late_fail = [Receipt(provider_ref=first.provider_ref, delivered=False, occurred_at=later, error="x")]
    receipts.receipts_record(channel="sms", receipts=late_fail, now=later)
    first.refresh_from_db()
    assert first.status == "delivered"
    assert DeliveryReceipt.objects.count() == 3


def test_a_receipt_that_overtakes_the_sent_mark_waits_for_it(world, sms_server, clock):
    (row,) = _sent_sms(world, sms_server, clock, n=1)
    ref = row.provider_ref
    # As if the worker had not recorded the acceptance yet.
    OutboxMessage.objects.filter(pk=row.pk).update(status="sending", provider_ref="")
    early = [Receipt(provider_ref=ref, delivered=True, occurred_at=NOON)]
    assert receipts.receipts_record(channel="sms", receipts=early, now=NOON) == {
        "received": 1,
        "applied": 0,
        "waiting": 1,
    }
    OutboxMessage.objects.filter(pk=row.pk).update(status="sent", provider_ref=ref)
    # Zalo's receipts are separate: applying them leaves this SMS alone.
    assert receipts.receipts_apply_pending(channel="zalo", now=NOON) == 0
    assert receipts.receipts_apply_pending(channel="sms", now=NOON) == 1
    assert OutboxMessage.objects.get(pk=row.pk).status == "delivered"
    assert not DeliveryReceipt.objects.filter(applied_at__isnull=True).exists()


def test_the_delivery_task_applies_waiting_receipts(world, sms_server, settings):
    from gridcare.notifications.tasks import deliver_outbox

    settings.GRIDCARE_NOTIFY_QUIET_HOURS = "0-0"
    acct = contact_account(world, phone="+84902000009")
    template(key="hello", channel="sms", body="Xin chao")
    services.notify(topic="programmes", recipients=[acct.pk], template="hello")
    # The provider's message ids are m1, m2, … in order: the receipt for m1 arrives before the send.
    DeliveryReceipt.objects.create(
        channel="sms", provider_ref="m1", delivered=True, occurred_at=NOON, received_at=NOON
    )
    deliver_outbox.call("sms")
    row = OutboxMessage.objects.get(account=acct, channel="sms")
    assert (row.provider_ref, row.status) == ("m1", "delivered")


def test_staff_see_receipts_and_which_still_wait(world, client, settings):
    from tests.backoffice.builders import superuser, verified_login

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    DeliveryReceipt.objects.create(
        channel="sms", provider_ref="m-early", delivered=True, occurred_at=NOON, received_at=NOON
    )
    DeliveryReceipt.objects.create(
        channel="zalo",
        provider_ref="z-done",
        delivered=True,
        occurred_at=NOON,
        received_at=NOON,
        applied_at=NOON,
    )
    verified_login(client, superuser())
    page = client.get("/backoffice/notifications/deliveryreceipt/", {"applied_at__isnull": "True"})
    assert page.status_code == 200
    assert "m-early" in page.text and "z-done" not in page.text
    assert client.get("/backoffice/notifications/deliveryreceipt/add/").status_code == 403
