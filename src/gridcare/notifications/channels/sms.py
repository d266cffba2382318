"""SMS through a configurable HTTP provider (JSON API with a client reference for idempotency).

Request: `POST {GRIDCARE_SMS_URL}` with `Authorization: Bearer {GRIDCARE_SMS_API_KEY}` and JSON
`{"to": "+84…", "sender": "<brand name>", "text": "…", "client_ref": "<outbox key>"}`.
Reply 200/201/202 `{"message_id": "…", "status": "accepted" | "duplicate"}`; a duplicate
`client_ref` returns the first message's id without sending again, which makes our retries safe.
Delivery receipts arrive later, signed, at `/api/v1/notifications/receipts/sms` (see
`gridcare.notifications.receipts`). 429 and 5xx are retried, other 4xx fail.
"""

import contextlib
from collections.abc import Iterator

from gridcare.notifications import conf
from gridcare.notifications.channels.base import (
    HTTP_ERRORS,
    JsonPoster,
    OutgoingMessage,
    SendResult,
    http_failure,
    json_poster,
)


class SmsSender:
    # One stateless POST per message, each thread on its own connection: a batch may have several in flight.
    thread_safe = True

    def __init__(self, poster: JsonPoster | None):
        self.poster = poster
        self.sender = conf.setting("SMS_SENDER", "EVNSPC")

    def send(self, message: OutgoingMessage) -> SendResult:
        if not message.phone:
            return SendResult.failed(error="no phone number", retryable=False)
        if self.poster is None:
            return SendResult.failed(
                error="GRIDCARE_SMS_URL is not set", retryable=True, address=message.phone
            )
        payload = {
            "to": message.phone,
            "sender": self.sender,
            "text": message.body,
            "client_ref": message.key,
        }
        try:
            response = self.poster.post(payload)
        except HTTP_ERRORS as exc:
            # The provider may or may not have taken it: retrying with the same client_ref is safe.
            return SendResult.failed(
                error=f"{type(exc).__name__}: {exc}", retryable=True, address=message.phone
            )
        if response.status_code not in (200, 201, 202):
            return http_failure(response, address=message.phone)
        data = response.json()
        return SendResult.accepted(address=message.phone, provider_ref=str(data.get("message_id", "")))


class SmsAdapter:
    @contextlib.contextmanager
    def open(self) -> Iterator[SmsSender]:
        url = conf.setting("SMS_URL", "")
        if not url:
            yield SmsSender(None)
            return
        headers = {"Authorization": f"Bearer {conf.setting('SMS_API_KEY', '')}"}
        with json_poster(url, headers=headers) as poster:
            yield SmsSender(poster)
