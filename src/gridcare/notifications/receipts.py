"""Delivery receipts: check that a provider's callback is genuine, keep its receipts, apply them to the outbox.

Two callbacks exist (the HTTP endpoints are in the API app, docs/notifications.md shows both):

* **SMS** (the generic provider of channels/sms.py). `POST` with JSON, one receipt
  `{"message_id", "status", "error"?, "at"?}` or a list of them. `status` is `delivered`, or one of
  `failed`, `undelivered`, `expired`, `rejected`; other values (`accepted`, `buffered`, …) are steps
  on the way and are ignored. Signed with the shared secret `GRIDCARE_SMS_CALLBACK_SECRET`: header
  `X-Gridcare-Timestamp` (Unix seconds) and `X-Gridcare-Signature: sha256=<hex HMAC-SHA256 of
  "<timestamp>." + body>`; a timestamp older than `GRIDCARE_SMS_CALLBACK_MAX_AGE_SECONDS` (300) is refused.
* **Zalo** (the OA webhook). Body JSON with `app_id`, `event_name`, `timestamp` (milliseconds); header
  `X-ZEvent-Signature: mac=<hex SHA-256 of app_id + body + timestamp + OA secret key>`, the key being
  `GRIDCARE_ZNS_WEBHOOK_SECRET`. `user_received_message` (`message.msg_id`, `message.delivery_time`)
  means delivered; `follow`, `unfollow` and `user_send_text` are handed to `zalo_oa` (linking Zalo through the
  OA); other events are acknowledged and ignored. Zalo re-sends a failed webhook with the
  same body for about an hour, so the age limit (`GRIDCARE_ZNS_WEBHOOK_MAX_AGE_SECONDS`) is 7,200 s.

A receipt can arrive before the worker has recorded the provider's acceptance (the marks are written a
few at a time): it is stored anyway and applied later, by the next callback or by the delivery task
when it finishes a run. Applying is idempotent, so replays change nothing.
"""

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from gridcare.notifications import conf
from gridcare.notifications.models import Channel, DeliveryReceipt, OutboxMessage, OutboxStatus

DELIVERED_WORDS = {"delivered", "delivrd"}
FAILED_WORDS = {"failed", "undelivered", "undeliv", "expired", "rejected", "rejectd"}


@dataclasses.dataclass(frozen=True)
class Receipt:
    provider_ref: str
    delivered: bool
    occurred_at: dt.datetime
    error: str = ""


@dataclasses.dataclass
class ParsedCallback:
    receipts: list[Receipt]
    ignored: int = 0
    rejected: list[dict] = dataclasses.field(default_factory=list)
    # A verified Zalo OA event about a follower (follow, unfollow, a text to the OA), applied by
    # `zalo_oa.event_apply`, and when it happened.
    oa_event: dict | None = None
    occurred_at: dt.datetime | None = None


class CallbackError(ValueError):
    """A callback refused as a whole: `code` for machines, the message for people, the HTTP status to answer."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.status = status


def _check_age(*, sent_epoch: float, now_epoch: float, max_age: float) -> None:
    if abs(now_epoch - sent_epoch) > max_age:
        raise CallbackError(
            "stale_callback",
            str(_("Báo nhận quá cũ hoặc đồng hồ lệch (quá %(s)d giây): bị từ chối.") % {"s": max_age}),
            401,
        )


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CallbackError(
            "parse_error", str(_("Nội dung không phải JSON hợp lệ: %(e)s") % {"e": exc})
        ) from exc


def _moment(value: Any, *, default: dt.datetime) -> dt.datetime:
    if value in (None, ""):
        return default
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        number = float(value)
        return dt.datetime.fromtimestamp(number / 1000 if number > 10**11 else number, tz=dt.UTC)
    moment = dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("time without a UTC offset")
    return moment


def sms_callback_parse(*, body: bytes, timestamp: str, signature: str, now: dt.datetime) -> ParsedCallback:
    """Verify and read an SMS provider's delivery-report callback."""
    secret = conf.setting("SMS_CALLBACK_SECRET", "")
    if not secret:
        raise CallbackError("not_configured", str(_("Chưa cấu hình khoá bí mật cho báo nhận SMS.")), 503)
    try:
        sent_epoch = float(timestamp)
    except (TypeError, ValueError) as exc:
        raise CallbackError(
            "invalid_signature", str(_("Thiếu hoặc sai thời điểm ký của báo nhận.")), 401
        ) from exc
    expected = (
        "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    )
    if not hmac.compare_digest(expected, (signature or "").strip()):
        raise CallbackError("invalid_signature", str(_("Chữ ký của báo nhận không đúng.")), 401)
    _check_age(
        sent_epoch=sent_epoch, now_epoch=now.timestamp(),
        max_age=conf.float_setting("SMS_CALLBACK_MAX_AGE_SECONDS", 300.0),
    )  # fmt: skip
    data = _json(body)
    items = data if isinstance(data, list) else [data]
    parsed = ParsedCallback(receipts=[])
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not str(item.get("message_id") or "").strip():
            parsed.rejected.append({"index": index, "reason": "message_id is missing"})
            continue
        word = str(item.get("status") or "").strip().lower()
        if word not in DELIVERED_WORDS | FAILED_WORDS:
            parsed.ignored += 1
            continue
        try:
            at = _moment(item.get("at"), default=now)
        except ValueError as exc:
            parsed.rejected.append({"index": index, "reason": f"at: {exc}"})
            continue
        delivered = word in DELIVERED_WORDS
        error = "" if delivered else (str(item.get("error") or "").strip() or word)
        parsed.receipts.append(
            Receipt(
                provider_ref=str(item["message_id"]).strip()[:100],
                delivered=delivered,
                occurred_at=at,
                error=error[:500],
            )
        )
    return parsed


# OA events about a follower that `zalo_oa` applies (linking Zalo through the Official Account).
OA_FOLLOWER_EVENTS = frozenset({"follow", "unfollow", "user_send_text"})


def zalo_callback_parse(*, body: bytes, signature: str, now: dt.datetime) -> ParsedCallback:
    """Verify and read a Zalo OA webhook event; `user_received_message` is a ZNS delivery receipt."""
    secret = conf.setting("ZNS_WEBHOOK_SECRET", "")
    if not secret:
        raise CallbackError("not_configured", str(_("Chưa cấu hình khoá bí mật cho webhook Zalo.")), 503)
    data = _json(body)
    if not isinstance(data, dict):
        raise CallbackError("parse_error", str(_("Sự kiện Zalo phải là một đối tượng JSON.")))
    app_id, timestamp = str(data.get("app_id") or ""), str(data.get("timestamp") or "")
    mac = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()
    supplied = (signature or "").strip()
    supplied = supplied[4:] if supplied.lower().startswith("mac=") else supplied
    if not app_id or not timestamp or not hmac.compare_digest(mac, supplied):
        raise CallbackError("invalid_signature", str(_("Chữ ký của sự kiện Zalo không đúng.")), 401)
    expected_app = conf.setting("ZNS_APP_ID", "")
    if expected_app and app_id != str(expected_app):
        raise CallbackError("invalid_signature", str(_("Sự kiện Zalo của một ứng dụng khác.")), 401)
    try:
        sent_at = _moment(timestamp, default=now)
    except ValueError as exc:
        raise CallbackError(
            "invalid_signature", str(_("Thời điểm của sự kiện Zalo không đọc được.")), 401
        ) from exc
    _check_age(
        sent_epoch=sent_at.timestamp(), now_epoch=now.timestamp(),
        max_age=conf.float_setting("ZNS_WEBHOOK_MAX_AGE_SECONDS", 7200.0),
    )  # fmt: skip
    if data.get("event_name") in OA_FOLLOWER_EVENTS:
        return ParsedCallback(receipts=[], oa_event=data, occurred_at=sent_at)
    if data.get("event_name") != "user_received_message":
        return ParsedCallback(receipts=[], ignored=1)
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    msg_id = str(message.get("msg_id") or "").strip()
    if not msg_id:
        return ParsedCallback(receipts=[], rejected=[{"index": 0, "reason": "message.msg_id is missing"}])
    try:
        at = _moment(message.get("delivery_time"), default=sent_at)
    except ValueError:
        at = sent_at
    return ParsedCallback(receipts=[Receipt(provider_ref=msg_id[:100], delivered=True, occurred_at=at)])


@transaction.atomic
def receipts_record(*, channel: str, receipts: list[Receipt], now: dt.datetime) -> dict[str, int]:
    """Keep the receipts (a replay adds nothing) and apply every waiting receipt of the channel."""
    DeliveryReceipt.objects.bulk_create(
        [
            DeliveryReceipt(
                channel=channel,
                provider_ref=r.provider_ref,
                delivered=r.delivered,
                occurred_at=r.occurred_at,
                error=r.error,
                received_at=now,
            )  # fmt: skip
            for r in receipts
        ],
        ignore_conflicts=True,
    )
    applied = receipts_apply_pending(channel=channel, now=now)
    waiting = DeliveryReceipt.objects.filter(
        channel=channel, applied_at__isnull=True, provider_ref__in=[r.provider_ref for r in receipts]
    ).count()
    return {"received": len(receipts), "applied": applied, "waiting": waiting}


@transaction.atomic
def receipts_apply_pending(*, channel: str, now: dt.datetime) -> int:
    """Apply the channel's waiting receipts to the messages they name; returns how many messages changed.

    "Delivered" moves a sent message to delivered (at the provider's time); "failed" moves a sent
    message to failed with the provider's reason. A receipt stays waiting until its message has been
    marked sent; a delivered message never goes back to failed.
    """
    pending = DeliveryReceipt.objects.filter(channel=channel, applied_at__isnull=True)
    if not pending.exists():
        return 0

    def outcome(delivered: bool, field: str):
        return Subquery(
            DeliveryReceipt.objects.filter(
                channel=channel, delivered=delivered, provider_ref=OuterRef("provider_ref")
            )
            .order_by("pk")
            .values(field)[:1]
        )

    changed = OutboxMessage.objects.filter(
        channel=channel,
        status=OutboxStatus.SENT,
        provider_ref__in=pending.filter(delivered=True).values("provider_ref"),
    ).update(status=OutboxStatus.DELIVERED, delivered_at=outcome(True, "occurred_at"))
    changed += OutboxMessage.objects.filter(
        channel=channel,
        status=OutboxStatus.SENT,
        provider_ref__in=pending.filter(delivered=False).values("provider_ref"),
    ).update(status=OutboxStatus.FAILED, last_error=outcome(False, "error"))
    settled = OutboxMessage.objects.filter(
        channel=channel, provider_ref=OuterRef("provider_ref"),
        status__in=[OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.FAILED],
    )  # fmt: skip
    pending.filter(Exists(settled)).update(applied_at=now)
    return changed


RECEIPT_CHANNELS = (Channel.SMS, Channel.ZALO)
