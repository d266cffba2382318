"""Delivery against local servers that speak each provider's protocol and can fail, throttle and time out."""

import base64
import datetime as dt
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gridcare.notifications import delivery, receipts, services
from gridcare.notifications.models import OutboxMessage, ProviderState, PushSubscription
from tests.notifications.builders import NIGHT, NOON, contact_account, template


def rows(channel):
    return list(OutboxMessage.objects.filter(channel=channel).order_by("pk"))


def phones(world, n, start=1):
    return [contact_account(world, phone=f"+8490200{i:04d}") for i in range(start, start + n)]


def test_sms_is_sent_once_with_the_text_transliterated(world, sms_server, clock):
    accounts = phones(world, 3)
    services.notify(topic="planned_outage", recipients=[a.pk for a in accounts], template="planned_outage",
                    context={"start": "08:00 12/03", "end": "16:00 12/03", "place": "ấp Mỹ Khánh", "reason": "bảo trì"}, now=NOON)  # fmt: skip
    result = delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep)
    assert (result.claimed, result.sent) == (3, 3)
    assert len(sms_server.accepted) == 3
    sent = list(sms_server.accepted.values())[0]
    assert sent["text"] == "EVN: Ngung cap dien tu 08:00 12/03 den 16:00 12/03 tai ap My Khanh de bao tri."
    assert all(r.status == "sent" and r.provider_ref.startswith("m") for r in rows("sms"))
    assert delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep).claimed == 0


def test_server_error_is_retried_with_exponential_backoff(world, sms_server, clock, settings):
    settings.GRIDCARE_NOTIFY_BACKOFF_SECONDS = 10
    (acct,) = phones(world, 1)
    services.notify(topic="bills", recipients=[acct.pk], template="bill_ready",
                    context={"period": "03/2026", "amount": {"vnd": 1}, "due_on": {"date": "2026-03-20"}}, now=NOON)  # fmt: skip
    sms_server.fail_next = 2
    assert delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep).retried == 1
    (row,) = rows("sms")
    assert row.status == "queued" and row.attempts == 1 and "HTTP 500" in row.last_error
    assert row.available_at == dt.datetime.fromtimestamp(clock() + 10, tz=dt.UTC)
    assert delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep).claimed == 0  # not yet due
    clock.advance(10)
    assert delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep).retried == 1
    (row,) = rows("sms")
    assert row.available_at == dt.datetime.fromtimestamp(clock() + 20, tz=dt.UTC)  # doubled
    clock.advance(20)
    assert delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep).sent == 1
    assert len(sms_server.accepted) == 1 and sms_server.requests == 3


def test_throttling_honours_retry_after_and_gives_up_after_max_attempts(world, sms_server, clock, settings):
    settings.GRIDCARE_NOTIFY_BACKOFF_SECONDS = 1
    settings.GRIDCARE_NOTIFY_MAX_ATTEMPTS = 2
    (acct,) = phones(world, 1)
    template(key="hello", channel="sms", body="Xin chao {customer_code}")
    services.notify(topic="programmes", recipients=[acct.pk], template="hello", now=NOON)
    sms_server.mode = "throttle"
    delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep)
    (row,) = rows("sms")
    assert row.available_at == dt.datetime.fromtimestamp(clock() + 7, tz=dt.UTC)  # Retry-After: 7
    clock.advance(7)
    assert delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep).failed == 1
    (row,) = rows("sms")
    assert row.status == "failed" and row.attempts == 2 and "HTTP 429" in row.last_error


def test_timeout_is_retried_and_the_provider_drops_the_repeat(world, sms_server, clock, settings):
    settings.GRIDCARE_NOTIFY_HTTP_TIMEOUT = 0.2
    settings.GRIDCARE_NOTIFY_BACKOFF_SECONDS = 1
    (acct,) = phones(world, 1)
    template(key="hello", channel="sms", body="Xin chao {customer_code}")
    services.notify(topic="programmes", recipients=[acct.pk], template="hello", now=NOON)
    sms_server.delay = 0.6  # the provider takes the message but answers too late
    assert delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep).retried == 1
    sms_server.delay = 0.0
    clock.advance(5)
    import time

    time.sleep(0.7)  # let the slow request finish on the server
    assert delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep).sent == 1
    assert len(sms_server.accepted) == 1
    assert sum(sms_server.duplicates.values()) == 1


def test_invalid_number_fails_without_retry(world, sms_server, clock):
    acct = contact_account(world, phone="0902000001")  # not E.164: the provider refuses it
    template(key="hello", channel="sms", body="Xin chao")
    services.notify(topic="programmes", recipients=[acct.pk], template="hello", now=NOON)
    assert delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep).failed == 1
    (row,) = rows("sms")
    assert row.status == "failed" and row.attempts == 1 and "HTTP 400" in row.last_error


def test_template_error_fails_the_row_with_its_reason(world, sms_server, clock):
    (acct,) = phones(world, 1)
    services.notify(topic="bills", recipients=[acct.pk], template="bill_ready", context={}, now=NOON)
    assert delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep).failed == 1
    assert rows("sms")[0].last_error.startswith("parameter_missing")
    assert sms_server.requests == 0


def test_expired_lease_is_resent_with_the_same_key(world, sms_server, clock, settings):
    settings.GRIDCARE_NOTIFY_LEASE_SECONDS = 30
    accounts = phones(world, 2)
    template(key="hello", channel="sms", body="Xin chao {customer_code}")
    services.notify(topic="programmes", recipients=[a.pk for a in accounts], template="hello", now=NOON)
    # A worker claims the batch, sends the first message, and dies before recording it.
    now = dt.datetime.fromtimestamp(clock(), tz=dt.UTC)
    ids = services.outbox_claim(
        channel="sms", limit=10, now=now, lease_until=now + dt.timedelta(seconds=30), token="dead"
    )
    first = OutboxMessage.objects.get(pk=ids[0])
    sms_server.accept(first.idempotency_key, {"to": accounts[0].phone})
    assert (
        delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep).claimed == 0
    )  # lease still held
    clock.advance(31)
    result = delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep)
    assert result.sent == 2
    assert len(sms_server.accepted) == 2 and sum(sms_server.duplicates.values()) == 1
    assert [r.attempts for r in rows("sms")] == [2, 2]


def test_sends_are_paced_to_the_configured_rate(world, sms_server, clock, settings):
    settings.GRIDCARE_NOTIFY_RATE_LIMITS = {"sms": 500}
    accounts = phones(world, 20)
    template(key="hello", channel="sms", body="Xin chao")
    services.notify(topic="programmes", recipients=[a.pk for a in accounts], template="hello", now=NOON)
    start = clock()
    assert delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep).sent == 20
    assert clock() - start == pytest.approx(19 / 500, abs=1e-6)
    # The next batch of any worker starts after this one's reserved slots.
    assert ProviderState.objects.get(provider="sms").next_free_at == pytest.approx(start + 20 / 500)


def test_sms_batch_keeps_a_few_requests_in_flight_and_records_every_acceptance(
    world, sms_server, clock, settings
):
    settings.GRIDCARE_NOTIFY_RATE_LIMITS = {"sms": 0}  # unlimited: every request may leave at once
    settings.GRIDCARE_NOTIFY_SEND_CONCURRENCY = 3
    settings.GRIDCARE_NOTIFY_MARK_EVERY = 4
    accounts = phones(world, 25)
    template(key="hello", channel="sms", body="Xin chao {customer_code}")
    services.notify(topic="programmes", recipients=[a.pk for a in accounts], template="hello", now=NOON)
    sms_server.delay = 0.05  # a provider slower to answer than we are to ask
    assert delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep).sent == 25
    assert 2 <= sms_server.max_in_flight <= 3
    sent = rows("sms")
    assert {r.status for r in sent} == {"sent"}
    assert sorted(sms_server.accepted) == sorted(r.idempotency_key for r in sent)
    by_key = {key: payload["_id"] for key, payload in sms_server.accepted.items()}
    assert all(r.provider_ref == by_key[r.idempotency_key] for r in sent)
    assert not sms_server.duplicates


def test_a_sender_crash_mid_batch_keeps_the_acceptances_and_leaves_the_rest_to_the_lease(
    world, sms_server, clock, settings, monkeypatch
):
    from gridcare.notifications.channels.sms import SmsSender

    settings.GRIDCARE_NOTIFY_SEND_CONCURRENCY = 2
    accounts = phones(world, 12)
    template(key="hello", channel="sms", body="Xin chao")
    services.notify(topic="programmes", recipients=[a.pk for a in accounts], template="hello", now=NOON)
    doomed = rows("sms")[6].idempotency_key
    original = SmsSender.send

    def send(self, message):
        if message.key == doomed:
            raise RuntimeError("adapter bug")
        return original(self, message)

    monkeypatch.setattr(SmsSender, "send", send)
    with pytest.raises(RuntimeError, match="adapter bug"):
        delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep)
    status = {r.idempotency_key: r.status for r in rows("sms")}
    assert status[doomed] == "sending"  # its lease expires and it is sent again with the same key
    # Whatever the provider accepted is recorded; nothing else is marked sent.
    assert {key for key, s in status.items() if s == "sent"} == set(sms_server.accepted)
    assert set(status.values()) <= {"sent", "sending"}


def test_json_poster_retries_once_when_the_provider_closed_the_kept_alive_connection():
    """A provider may close an idle keep-alive connection; the next request goes on a new one."""
    import socket
    import threading

    from gridcare.notifications.channels.base import JsonPoster

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    served = []

    def serve():
        for n in range(2):  # each connection answers one request, then the server drops it
            conn, _addr = listener.accept()
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(4096)
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(
                    next(
                        line.split(b":")[1]
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    )
                )
                while len(body) < length:
                    body += conn.recv(4096)
                served.append(body)
                reply = b'{"message_id": "m%d"}' % n
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                    % (len(reply), reply)
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    poster = JsonPoster(
        f"http://127.0.0.1:{port}/v1/messages", timeout=2.0, headers={"Authorization": "Bearer k"}
    )
    try:
        assert poster.post({"client_ref": "gc1"}).json() == {"message_id": "m0"}
        thread.join(timeout=0.5)  # let the server close the first connection
        assert poster.post({"client_ref": "gc2"}).json() == {"message_id": "m1"}
    finally:
        poster.close()
        listener.close()
    assert [b'"gc1"' in body for body in served] == [True, False]


def test_quiet_hours_hold_non_urgent_sms_but_not_urgent(world, sms_server):
    from tests.notifications.conftest import FakeClock

    night = FakeClock(NIGHT)
    accounts = phones(world, 2)
    template(key="hello", channel="sms", body="Xin chao")
    # Queued by day, still waiting at night (a backlog): only urgent rows go out.
    services.notify(topic="programmes", recipients=[accounts[0].pk], template="hello", now=NOON)
    services.notify(
        topic="incident", recipients=[accounts[1].pk], template="hello", urgency="urgent", now=NOON
    )
    assert delivery.deliver_batch(channel="sms", clock=night, sleep=night.sleep).sent == 1
    assert [r.status for r in rows("sms")] == ["queued", "sent"]


def test_zalo_refreshes_its_token_and_keeps_the_new_refresh_token(world, zns_server, clock):
    accounts = [contact_account(world, phone=f"+8490300000{i}", zalo=f"z{i}") for i in range(2)]
    template(
        key="hello",
        channel="zalo",
        body="{customer_code}",
        parameters={"customer_code": 30},
        zns_template_id="231",
    )
    services.notify(topic="programmes", recipients=[accounts[0].pk], template="hello", now=NOON)
    assert delivery.deliver_batch(channel="zalo", clock=clock, sleep=clock.sleep).sent == 1
    sent = list(zns_server.accepted.values())[0]
    assert sent["phone"] == "84903000000" and sent["template_id"] == "231"
    assert sent["template_data"] == {"customer_code": accounts[0].code}
    state = ProviderState.objects.get(provider="zalo")
    assert (state.access_token, state.refresh_token) == ("access-1", "refresh-1")
    # The OA token is revoked early: -124, one refresh with the stored (rotated) token, then success.
    zns_server.expire_token()
    services.notify(topic="programmes", recipients=[accounts[1].pk], template="hello", now=NOON)
    assert delivery.deliver_batch(channel="zalo", clock=clock, sleep=clock.sleep).sent == 1
    assert zns_server.refreshes == 2
    assert ProviderState.objects.get(provider="zalo").refresh_token == "refresh-2"
    assert len(zns_server.accepted) == 2


def test_zalo_batch_sends_in_parallel_and_refreshes_a_rejected_token_once_on_its_own_thread(
    world, zns_server, clock, settings
):
    settings.GRIDCARE_NOTIFY_RATE_LIMITS = {"zalo": 0}
    settings.GRIDCARE_NOTIFY_SEND_CONCURRENCY = 3
    accounts = [contact_account(world, phone=f"+849030001{i:02d}", zalo=f"z{i}") for i in range(12)]
    template(
        key="hello",
        channel="zalo",
        body="{customer_code}",
        parameters={"customer_code": 30},
        zns_template_id="231",
    )
    zns_server.delay = 0.03
    services.notify(topic="programmes", recipients=[a.pk for a in accounts[:6]], template="hello", now=NOON)
    assert delivery.deliver_batch(channel="zalo", clock=clock, sleep=clock.sleep).sent == 6
    assert 2 <= zns_server.max_in_flight <= 3 and zns_server.refreshes == 1
    # The OA token is revoked while the pool's threads send: they do not refresh (a refresh token is
    # single-use); their messages wait for a retry, and the sender refreshes once, on its own thread.
    zns_server.expire_token()
    services.notify(topic="programmes", recipients=[a.pk for a in accounts[6:]], template="hello", now=NOON)
    result = delivery.deliver_batch(channel="zalo", clock=clock, sleep=clock.sleep)
    assert (result.sent, result.retried) == (0, 6)
    assert (
        zns_server.refreshes == 2 and ProviderState.objects.get(provider="zalo").refresh_token == "refresh-2"
    )
    clock.advance(3600)  # past the retries' backoff
    assert delivery.deliver_batch(channel="zalo", clock=clock, sleep=clock.sleep).sent == 6
    assert len(zns_server.accepted) == 12 and zns_server.refreshes == 2


def test_zalo_refresh_failure_is_retried_later(world, zns_server, clock, settings):
    settings.GRIDCARE_ZNS_REFRESH_TOKEN = "wrong"
    acct = contact_account(world, phone="+84903000001", zalo="z")
    template(key="hello", channel="zalo", body="{customer_code}", zns_template_id="231")
    services.notify(topic="programmes", recipients=[acct.pk], template="hello", now=NOON)
    assert delivery.deliver_batch(channel="zalo", clock=clock, sleep=clock.sleep).retried == 1
    assert "token refresh failed" in rows("zalo")[0].last_error


def test_zalo_without_a_reachable_oauth_server_keeps_the_batch_for_a_retry(
    world, zns_server, clock, settings
):
    import socket

    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings.GRIDCARE_ZNS_OAUTH_URL = f"http://127.0.0.1:{closed}"
    accounts = [contact_account(world, phone=f"+849030002{i:02d}", zalo=f"z{i}") for i in range(3)]
    template(key="hello", channel="zalo", body="{customer_code}", zns_template_id="231")
    services.notify(topic="programmes", recipients=[a.pk for a in accounts], template="hello", now=NOON)
    result = delivery.deliver_batch(channel="zalo", clock=clock, sleep=clock.sleep)
    assert (result.sent, result.retried) == (0, 3)
    assert all(r.status == "queued" and "ConnectError" in r.last_error for r in rows("zalo"))
    assert not zns_server.accepted


def _subscription(push_server, name):
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    return {"endpoint": f"{push_server.url}/push/{name}", "p256dh": b64(public), "auth": b64(os.urandom(16))}


def test_web_push_is_encrypted_signed_and_gone_subscriptions_are_dropped(world, push_server, clock):
    a = contact_account(world)
    b = contact_account(world)
    services.push_subscription_add(account=a, now=NOON, **_subscription(push_server, "a1"))
    services.push_subscription_add(account=b, now=NOON, **_subscription(push_server, "b1"))
    push_server.gone.add("b1")
    template(key="hello", channel="push", body="Xin chào {customer_code}", subject="gridcare")
    services.notify(topic="programmes", recipients=[a.pk, b.pk], template="hello", now=NOON)
    result = delivery.deliver_batch(channel="push", clock=clock, sleep=clock.sleep)
    assert (result.sent, result.failed) == (1, 1)
    (key,) = push_server.accepted
    assert key.startswith("a1:gc")
    assert not PushSubscription.objects.get(endpoint__endswith="/b1").active


def test_push_batch_keeps_requests_in_flight_and_drops_gone_subscriptions_on_the_recording_thread(
    world, push_server, clock, settings
):
    settings.GRIDCARE_NOTIFY_RATE_LIMITS = {"push": 0}
    settings.GRIDCARE_NOTIFY_SEND_CONCURRENCY = 4
    accounts = [contact_account(world) for _ in range(12)]
    for i, acct in enumerate(accounts):
        services.push_subscription_add(account=acct, now=NOON, **_subscription(push_server, f"d{i}"))
    push_server.gone.update({"d3", "d7"})
    push_server.delay = 0.05  # a push service slower to answer than we are to ask
    template(key="hello", channel="push", body="Xin chào {customer_code}", subject="gridcare")
    services.notify(topic="programmes", recipients=[a.pk for a in accounts], template="hello", now=NOON)
    result = delivery.deliver_batch(channel="push", clock=clock, sleep=clock.sleep)
    assert (result.sent, result.failed) == (10, 2)
    assert 2 <= push_server.max_in_flight <= 4
    assert len(push_server.accepted) == 10
    gone = PushSubscription.objects.filter(active=False).values_list("endpoint", flat=True)
    assert sorted(e.rsplit("/", 1)[-1] for e in gone) == ["d3", "d7"]


def test_email_goes_through_smtp_with_a_stable_message_id(world, smtp, clock):
    good = contact_account(world, email="an@example.vn", language="en")
    bad = contact_account(world, email="nobody@refused.invalid")
    template(key="hello", channel="email", body="Hello {customer_code}", subject="Hi", language="en")
    template(key="hello", channel="email", body="Xin chào {customer_code}", subject="Chào")
    services.notify(topic="programmes", recipients=[good.pk, bad.pk], template="hello", now=NOON)
    result = delivery.deliver_batch(channel="email", clock=clock, sleep=clock.sleep)
    assert (result.sent, result.failed) == (1, 1)
    (message,) = smtp
    row = OutboxMessage.objects.get(account=good, channel="email")
    assert f"Message-ID: <{row.idempotency_key}@gridcare.notifications>" in message
    assert f"Hello {good.code}" in message
    assert "recipient refused" in OutboxMessage.objects.get(account=bad, channel="email").last_error


def test_email_batch_sends_over_several_smtp_connections_at_once(world, smtp, clock, settings):
    settings.GRIDCARE_NOTIFY_RATE_LIMITS = {"email": 0}
    settings.GRIDCARE_NOTIFY_SEND_CONCURRENCY = 3
    accounts = [contact_account(world, email=f"k{i}@example.vn") for i in range(9)]
    template(key="hello", channel="email", body="Xin chào {customer_code}", subject="Chào")
    services.notify(topic="programmes", recipients=[a.pk for a in accounts], template="hello", now=NOON)
    smtp.delay = 0.05  # a mail relay slower to answer than we are to ask
    assert delivery.deliver_batch(channel="email", clock=clock, sleep=clock.sleep).sent == 9
    assert 2 <= smtp.max_in_flight <= 3 and len(smtp) == 9
    assert sorted(m.split("Message-ID: <", 1)[1].split("@", 1)[0] for m in smtp) == sorted(
        r.idempotency_key for r in rows("email")
    )


def test_delivery_receipts_and_inbox(world, sms_server, clock):
    acct = contact_account(world, phone="+84902000001", portal=True)
    template(key="hello", channel="sms", body="Xin chao")
    services.notify(topic="programmes", recipients=[acct.pk], template="hello", now=NOON)
    delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep)
    sms = rows("sms")[0]
    result = receipts.receipts_record(
        channel="sms",
        receipts=[receipts.Receipt(provider_ref=sms.provider_ref, delivered=True, occurred_at=NOON)],
        now=NOON,
    )
    assert result == {"received": 1, "applied": 1, "waiting": 0}
    assert OutboxMessage.objects.get(pk=sms.pk).status == "delivered"
    inbox = rows("inbox")[0]
    assert inbox.status == "delivered"
    assert services.inbox_mark_read(account=acct, ids=[inbox.pk], now=NOON) == 1


def test_waiting_delivery_tasks_do_not_pile_up(db):
    later = NOON + dt.timedelta(hours=2)
    assert services.delivery_schedule_claim(channel="sms", at=later, now=NOON) is True
    # Another chain wanting a run at the same time or later relies on the one already scheduled.
    assert services.delivery_schedule_claim(channel="sms", at=later, now=NOON) is False
    assert (
        services.delivery_schedule_claim(channel="sms", at=later + dt.timedelta(minutes=5), now=NOON) is False
    )
    # An earlier run is scheduled; a stale schedule (in the past) is replaced.
    assert (
        services.delivery_schedule_claim(channel="sms", at=NOON + dt.timedelta(minutes=1), now=NOON) is True
    )
    assert services.delivery_schedule_claim(channel="sms", at=later, now=NOON + dt.timedelta(hours=1)) is True


def test_task_and_command_deliver_and_schedule_deferred_rows(world, sms_server, settings):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from gridcare.notifications.tasks import deliver_outbox

    settings.GRIDCARE_NOTIFY_QUIET_HOURS = "0-0"
    accounts = phones(world, 3)
    template(key="hello", channel="sms", body="Xin chao")
    now = dt.datetime.now(dt.UTC)
    services.notify(topic="programmes", recipients=[accounts[0].pk], template="hello", now=now)
    services.notify(
        topic="programmes", recipients=[accounts[1].pk], template="hello", now=now + dt.timedelta(hours=1)
    )
    OutboxMessage.objects.filter(account=accounts[1]).update(available_at=now + dt.timedelta(hours=1))
    result = deliver_outbox.call("sms")
    assert result["sent"] == 1
    waiting = DBTaskResult.objects.filter(task_path__endswith="deliver_outbox", status="READY")
    assert waiting.count() == 1 and waiting.get().run_after >= now + dt.timedelta(minutes=59)
    services.notify(topic="programmes", recipients=[accounts[2].pk], template="hello", now=now)
    call_command("notifications_deliver", "--once", "--channel", "sms", verbosity=0)
    assert len(sms_server.accepted) == 2


def test_the_next_delivery_is_due_at_the_first_queued_row_or_now_while_rows_are_being_sent(world):
    from gridcare.notifications.tasks import _next_due

    accounts = phones(world, 2)
    template(key="hello", channel="sms", body="Xin chao")
    later = NOON + dt.timedelta(hours=2)
    services.notify(topic="programmes", recipients=[a.pk for a in accounts], template="hello", now=NOON)
    assert _next_due("sms", now=NOON) == NOON and _next_due("zalo", now=NOON) is None
    OutboxMessage.objects.update(available_at=later)
    assert _next_due("sms", now=NOON) == later
    OutboxMessage.objects.filter(account=accounts[0]).update(status="sending")  # another worker is sending it
    assert _next_due("sms", now=NOON) == NOON  # its lease may expire: come back soon
    OutboxMessage.objects.update(status="sent")
    assert _next_due("sms", now=NOON) is None


@pytest.mark.parametrize("other_worker", [False, True])
def test_a_stalled_sender_books_its_late_messages_anew_instead_of_bursting(
    world, sms_server, clock, settings, monkeypatch, other_worker
):
    settings.GRIDCARE_NOTIFY_RATE_LIMITS = {"sms": 100}
    settings.GRIDCARE_NOTIFY_SEND_CONCURRENCY = 1
    accounts = phones(world, 20)
    template(key="hello", channel="sms", body="Xin chao")
    services.notify(topic="programmes", recipients=[a.pk for a in accounts], template="hello", now=NOON)
    sent_at, other = [], {}
    real_adapter_for = delivery.adapter_for

    class Recording:
        def __init__(self, sender):
            self.sender = sender

        def send(self, message):
            sent_at.append(clock())
            outcome = self.sender.send(message)
            if len(sent_at) == 6:  # the worker stalls for half a second after its sixth message
                clock.advance(0.5)
                if other_worker:  # meanwhile another worker books 10 slots
                    other["start"] = services.rate_reserve(provider="sms", count=10, now_epoch=clock())
            return outcome

    class Adapter:
        def __init__(self, channel):
            self.adapter = real_adapter_for(channel)

        def open(self):
            outer = self.adapter.open()

            class Opened:
                def __enter__(self):
                    return Recording(outer.__enter__())

                def __exit__(self, *exc):
                    return outer.__exit__(*exc)

            return Opened()

    monkeypatch.setattr(delivery, "adapter_for", Adapter)
    result = delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep)
    assert result.sent == 20 and result.rebooked == 1 and len(sms_server.accepted) == 20
    gaps = [b - a for a, b in zip(sent_at, sent_at[1:], strict=False)]
    assert min(gaps) >= 1 / 100 - 1e-6  # never two messages closer than the rate allows: no burst
    if other_worker:  # the rest waits for the other worker's slots instead of crowding them
        assert sent_at[6] >= other["start"] + 10 / 100 - 1e-6
    else:  # alone, the worker simply goes on from where the stall ended
        assert sent_at[6] == pytest.approx(sent_at[5] + 0.5)
    state = ProviderState.objects.get(provider="sms")
    assert state.next_free_at == pytest.approx(sent_at[6] + 14 / 100)  # the rebooked 14 slots end the clock


def _another_worker_takes_what_expired(clock, channel="sms"):
    """What a second worker does at the start of its batch: release expired leases and claim the ready rows."""
    now = dt.datetime.fromtimestamp(clock(), tz=dt.UTC)
    services.outbox_release_expired(now=now)
    return services.outbox_claim(
        channel=channel, limit=100, now=now, lease_until=now + dt.timedelta(seconds=30), token="other"
    )


def test_a_batchs_lease_covers_its_rate_limit_reservation(world, sms_server, clock, settings):
    settings.GRIDCARE_NOTIFY_RATE_LIMITS = {"sms": 10}
    settings.GRIDCARE_NOTIFY_LEASE_SECONDS = 30
    settings.GRIDCARE_NOTIFY_SEND_CONCURRENCY = 1
    accounts = phones(world, 10)
    template(key="hello", channel="sms", body="Xin chao {customer_code}")
    services.notify(topic="programmes", recipients=[a.pk for a in accounts], template="hello", now=NOON)
    # Other workers booked the next 100 seconds of the provider: this batch's slots start after them,
    # long after its claim's lease (30 s + its own 1 s of sends) would have run out.
    services.rate_reserve(provider="sms", count=1000, now_epoch=clock())
    taken = []

    def sleep(seconds):
        clock.sleep(seconds)
        taken.extend(_another_worker_takes_what_expired(clock))

    result = delivery.deliver_batch(channel="sms", clock=clock, sleep=sleep)
    assert taken == []  # the lease lasted until the last reserved slot: nothing was free to take
    assert len(sms_server.accepted) == 10 and not sms_server.duplicates
    assert {r.status for r in rows("sms")} == {"sent"}
    assert (result.sent, result.lost) == (10, 0)


def test_a_sender_that_lost_its_claim_does_not_send_the_row(world, sms_server, clock, settings, monkeypatch):
    settings.GRIDCARE_NOTIFY_RATE_LIMITS = {"sms": 0}
    settings.GRIDCARE_NOTIFY_LEASE_SECONDS = 30
    settings.GRIDCARE_NOTIFY_SEND_CONCURRENCY = 1
    accounts = phones(world, 6)
    template(key="hello", channel="sms", body="Xin chao {customer_code}")
    services.notify(topic="programmes", recipients=[a.pk for a in accounts], template="hello", now=NOON)
    real_adapter_for = delivery.adapter_for
    taken = []

    class Stalling:
        """The provider answers the third request after two minutes (a slow provider, a paused worker)."""

        def __init__(self, sender):
            self.sender, self.calls = sender, 0

        def send(self, message):
            self.calls += 1
            outcome = self.sender.send(message)
            if self.calls == 3:
                clock.advance(120)
                taken.extend(_another_worker_takes_what_expired(clock))  # meanwhile, another worker
            return outcome

    class Adapter:
        def __init__(self, channel):
            self.adapter = real_adapter_for(channel)

        def open(self):
            outer = self.adapter.open()

            class Opened:
                def __enter__(self):
                    return Stalling(outer.__enter__())

                def __exit__(self, *exc):
                    return outer.__exit__(*exc)

            return Opened()

    monkeypatch.setattr(delivery, "adapter_for", Adapter)
    result = delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep)
    # The other worker took every row of the lapsed lease: the three sent but not yet recorded (it repeats
    # them with the same keys, which the provider drops) and the three not sent, which this worker,
    # checking its claim before each send, no longer sends.
    assert sorted(taken) == sorted(r.pk for r in rows("sms"))
    first_three = [r.idempotency_key for r in rows("sms")][:3]
    assert sorted(sms_server.accepted) == sorted(first_three) and not sms_server.duplicates
    assert (result.sent, result.lost) == (3, 3)
