"""Web Push (RFC 8030/8291/8292) to the installed portal, signed with the VAPID key from settings.

Each message carries `Topic: <outbox key>`: a push service keeps only the latest message per topic
for a subscription, so a retry after a crash replaces, rather than repeats, an undelivered one.
A 404/410 answer means the subscription is gone: it is deactivated and not retried. Only endpoints of
known push services are called (`pushendpoints`), also for subscriptions stored before that rule.
"""

import contextlib
import json
from collections.abc import Iterator

from pywebpush import WebPushException, webpush

from gridcare.notifications import conf
from gridcare.notifications.channels.base import OutgoingMessage, SendResult
from gridcare.notifications.pushendpoints import push_endpoint_allowed


class WebPushSender:
    # One stateless HTTPS request per device, no database access: a batch may have several in flight.
    thread_safe = True

    def __init__(self):
        self.private_key = conf.setting("VAPID_PRIVATE_KEY", "")
        self.claims = {"sub": conf.setting("VAPID_SUBJECT", "mailto:cskh@gridcare.invalid")}
        self.timeout = conf.float_setting("NOTIFY_HTTP_TIMEOUT", 10.0)

    def send(self, message: OutgoingMessage) -> SendResult:
        if not message.push_subscriptions:
            return SendResult.failed(error="no active push subscription", retryable=False)
        if not self.private_key:
            return SendResult.failed(error="GRIDCARE_VAPID_PRIVATE_KEY is not set", retryable=True)
        payload = json.dumps(
            {"title": message.subject, "body": message.body, "tag": message.key}, ensure_ascii=False
        )
        headers = {"Topic": message.key[:32], "Urgency": "high" if message.urgent else "normal"}
        accepted, errors, gone, retryable = [], [], [], False
        for subscription in message.push_subscriptions:
            if not push_endpoint_allowed(
                subscription["endpoint"]
            ):  # stored before the allow-list, or since removed
                errors.append("endpoint is not a known push service")
                continue
            try:
                response = webpush(
                    subscription_info=subscription, data=payload, vapid_private_key=self.private_key,
                    vapid_claims=dict(self.claims), headers=dict(headers), ttl=86400, timeout=self.timeout,
                )  # fmt: skip
                accepted.append(response.headers.get("location", subscription["endpoint"]))
            except WebPushException as exc:
                status = exc.response.status_code if exc.response is not None else None
                if status in (404, 410):
                    gone.append(subscription["endpoint"])  # turned off by the delivery's recording thread
                else:
                    retryable = retryable or status is None or status == 429 or status >= 500
                errors.append(f"HTTP {status}: {exc.message[:100]}")
            except Exception as exc:  # noqa: BLE001 - network errors of requests: try again later
                retryable = True
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
        if accepted:
            return SendResult.accepted(
                address=f"{len(accepted)} device(s)",
                provider_ref=accepted[0][-100:],
                gone_endpoints=tuple(gone),
            )
        return SendResult.failed(error="; ".join(errors), retryable=retryable, gone_endpoints=tuple(gone))


class WebPushAdapter:
    @contextlib.contextmanager
    def open(self) -> Iterator[WebPushSender]:
        yield WebPushSender()
