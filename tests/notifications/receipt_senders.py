"""How providers sign their delivery callbacks (the client side of gridcare.notifications.receipts)."""

import hashlib
import hmac
import json
import time

SMS_SECRET = "dlr-shared-secret"  # noqa: S105 - a test secret
ZALO_OA_SECRET = "oa-secret-key"  # noqa: S105 - a test secret
ZALO_APP_ID = "app-1"


def sms_callback(receipts, *, secret=SMS_SECRET, timestamp=None) -> tuple[bytes, dict]:
    """Body and headers of an SMS delivery-report callback, as the provider signs it."""
    body = json.dumps(receipts).encode()
    stamp = str(int(time.time() if timestamp is None else timestamp))
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return body, {
        "X-Gridcare-Timestamp": stamp,
        "X-Gridcare-Signature": f"sha256={mac}",
        "Content-Type": "application/json",
    }


def zalo_event(
    msg_id, *, event="user_received_message", secret=ZALO_OA_SECRET, app_id=ZALO_APP_ID, at_ms=None
):
    """Body and headers of a Zalo OA webhook event, as Zalo signs it (mac = sha256(app_id + body + timestamp + key))."""
    stamp = str(int(time.time() * 1000) if at_ms is None else at_ms)
    event_body = {
        "app_id": app_id, "oa_id": "oa-9", "event_name": event, "timestamp": stamp,
        "sender": {"id": "oa-9"}, "recipient": {"id": "84902000001"},
        "message": {"msg_id": msg_id, "delivery_time": stamp},
    }  # fmt: skip
    body = json.dumps(event_body).encode()
    mac = hashlib.sha256(app_id.encode() + body + stamp.encode() + secret.encode()).hexdigest()
    return body, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}


def zalo_oa_event(
    event, user_id, *, text="", oa_id="oa-9", secret=ZALO_OA_SECRET, app_id=ZALO_APP_ID, at_ms=None
):
    """Body and headers of a Zalo OA follower event (`follow`, `unfollow`, `user_send_text`) in Zalo's format, signed
    as Zalo signs it."""
    stamp = str(int(time.time() * 1000) if at_ms is None else at_ms)
    if event == "user_send_text":
        event_body = {
            "app_id": app_id, "user_id_by_app": f"app-{user_id}", "event_name": event, "timestamp": stamp,
            "sender": {"id": user_id}, "recipient": {"id": oa_id}, "message": {"msg_id": f"m-{stamp}", "text": text},
        }  # fmt: skip
    else:
        event_body = {
            "app_id": app_id, "oa_id": oa_id, "user_id_by_app": f"app-{user_id}", "event_name": event,
            "timestamp": stamp, "source": "oa_profile", "follower": {"id": user_id},
        }  # fmt: skip
    body = json.dumps(event_body, ensure_ascii=False).encode()
    mac = hashlib.sha256(app_id.encode() + body + stamp.encode() + secret.encode()).hexdigest()
    return body, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}


class ZaloOaSender:
    """Zalo's side of the OA webhook on real sockets: posts signed follower events to our webhook URL."""

    def __init__(self, base_url: str, *, path: str = "/api/v1/notifications/receipts/zalo"):
        import httpx

        self.client = httpx.Client(base_url=base_url, timeout=10)
        self.path = path

    def post(self, body: bytes, headers: dict):
        return self.client.post(self.path, content=body, headers=headers)

    def send(self, event, user_id, **kwargs):
        return self.post(*zalo_oa_event(event, user_id, **kwargs))

    def close(self):
        self.client.close()
