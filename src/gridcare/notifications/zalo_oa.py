"""Linking Zalo through the utility's Zalo Official Account (OA): follow, send the portal's code, unfollow.

The portal shows a short one-time code (`link_code_issue`, eight characters without look-alikes, valid
`GRIDCARE_ZALO_LINK_CODE_MINUTES`, 30 by default). The customer follows the OA in Zalo and sends it the code as a
chat message. Zalo posts the OA's events to our webhook (the same URL as the ZNS delivery receipts, signed
`X-ZEvent-Signature: mac=sha256(app_id + body + timestamp + OA secret key)`, checked by
`receipts.zalo_event_verify`), and `event_apply` reads the three that matter here, in Zalo's format:

* `follow` / `unfollow`: `{"app_id", "oa_id", "event_name", "timestamp" (ms), "source", "user_id_by_app",
  "follower": {"id"}}` — `follower.id` is the user's id for this OA;
* `user_send_text`: `{"app_id", "event_name", "timestamp", "sender": {"id"}, "recipient": {"id": OA id},
  "message": {"msg_id", "text"}}` — a text that is a live code links `sender.id` to the code's contract
  (`Account.zalo_user_id = "oa:<id>"`, a confirmed `ContactChange`, the customer told).

An `unfollow` unlinks every contract linked to that Zalo user: the topics that reached the customer only by Zalo
fall back to SMS (or the channels left) and the customer is told on them. Every event is kept once by the SHA-256
of its body: a replay (Zalo itself re-sends a failed webhook with the same body) changes nothing, and an event older
than one already kept for the same user (a late retry) is not applied. Wrong codes count per Zalo user
(`gridcare.core.throttle`): after `GRIDCARE_ZALO_LINK_CODE_MAX_WRONG` (5) an hour, that user's codes are ignored.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from gridcare.core import throttle
from gridcare.customers import services as customer_services
from gridcare.customers.models import Account, ContactChange
from gridcare.notifications import conf, selfservice
from gridcare.notifications.models import ZaloLinkCode, ZaloOaEvent

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read aloud or copied by hand without doubt
CODE_LENGTH = 8
OA_EVENTS = frozenset({"follow", "unfollow", "user_send_text"})
OA_PREFIX = "oa:"


def link_code_minutes() -> int:
    return int(conf.setting("ZALO_LINK_CODE_MINUTES", 30))


def oa_id() -> str:
    """The utility's OA id (`GRIDCARE_ZALO_OA_ID`); events naming another OA are ignored when it is set."""
    return str(conf.setting("ZALO_OA_ID", "") or "")


def oa_follow_url() -> str:
    """Where the customer follows the OA (Zalo's public page of the OA), '' when no OA is configured."""
    return f"https://zalo.me/{oa_id()}" if oa_id() else ""


def _normalise(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def _hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), _normalise(code).encode(), hashlib.sha256).hexdigest()


def display_code(code: str) -> str:
    """The code as the portal shows it: two groups of four ("ABCD-EFGH"); separators are ignored when it comes back."""
    return f"{code[:4]}-{code[4:]}"


@transaction.atomic
def link_code_issue(*, account: Account, user: Any, now: dt.datetime) -> str:
    """A new code for the contract (earlier live ones end); only its hash is kept, the caller shows the code once."""
    ZaloLinkCode.objects.filter(account=account, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    ZaloLinkCode.objects.create(
        account=account, code_hash=_hash(code), requested_by=user if getattr(user, "is_authenticated", False) else None,
        created_at=now, expires_at=now + dt.timedelta(minutes=link_code_minutes()),
    )  # fmt: skip
    return code


def _user_id(data: dict, event: str) -> str:
    holder = data.get("sender") if event == "user_send_text" else data.get("follower")
    return str((holder or {}).get("id") or "").strip()[:60] if isinstance(holder, dict) else ""


def _wrong_key(user_id: str) -> str:
    return f"zalo-oa-code:{user_id}"


def _link(*, user_id: str, text: str, now: dt.datetime) -> str:
    window = dt.timedelta(hours=1)
    limit = int(conf.setting("ZALO_LINK_CODE_MAX_WRONG", 5))
    if throttle.locked_until(key=_wrong_key(user_id), limit=limit, now=now, window=window) is not None:
        return "locked"
    normalised = _normalise(text)
    if len(normalised) != CODE_LENGTH:
        return "not_a_code"  # an ordinary chat with the OA: not an attempt
    row = (
        ZaloLinkCode.objects.select_for_update()
        .select_related("account")  # requested_by is nullable: no outer join under FOR UPDATE
        .filter(code_hash=_hash(normalised), used_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if row is None:
        throttle.hit(key=_wrong_key(user_id), now=now, window=window)
        return "wrong_code"
    ZaloLinkCode.objects.filter(pk=row.pk).update(used_at=now, zalo_user_id=user_id)
    change = customer_services.contact_change_request(
        account=row.account, kind=ContactChange.Kind.ZALO, new_value=f"{OA_PREFIX}{user_id}", user=row.requested_by,
        now=now,
    )  # fmt: skip
    customer_services.contact_change_confirm(change=change, user=row.requested_by, now=now)
    selfservice.security_notice(account_ids=[row.account_id], change="zalo_linked", now=now)
    return "linked"


def _unlink(*, user_id: str, now: dt.datetime) -> str:
    accounts = list(
        Account.objects.select_related("customer").filter(zalo_user_id=f"{OA_PREFIX}{user_id}").order_by("pk")
    )
    for account in accounts:
        selfservice.contact_unreachable_after_unfollow(account=account, now=now)
    return f"unlinked:{len(accounts)}" if accounts else "unfollowed"


@transaction.atomic
def event_apply(*, data: dict, body: bytes, occurred_at: dt.datetime, now: dt.datetime) -> str:
    """Apply one verified OA event (follow, unfollow, a text to the OA); the outcome in a word.

    "duplicate" (a replay, nothing changes), "out_of_order" (older than an event already kept for this user),
    "ignored" (no user id), "followed", "linked", "not_a_code", "wrong_code", "locked", "unfollowed" or "unlinked:<n>".
    """
    event = str(data.get("event_name") or "")
    user_id = _user_id(data, event)
    if event not in OA_EVENTS or not user_id:
        return "ignored"
    recipient = data.get("recipient") if isinstance(data.get("recipient"), dict) else {}
    named_oa = str(data.get("oa_id") or recipient.get("id") or "")
    if oa_id() and named_oa != oa_id():
        return "ignored"
    key = hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic():
            row = ZaloOaEvent.objects.create(
                key=key, event_name=event, zalo_user_id=user_id, occurred_at=occurred_at, received_at=now
            )
    except IntegrityError:
        return "duplicate"
    if (
        ZaloOaEvent.objects.filter(zalo_user_id=user_id, occurred_at__gt=occurred_at)
        .exclude(pk=row.pk)
        .exists()
    ):
        outcome = "out_of_order"
    elif event == "follow":
        outcome = "followed"
    elif event == "unfollow":
        outcome = _unlink(user_id=user_id, now=now)
    else:
        message = data.get("message") if isinstance(data.get("message"), dict) else {}
        outcome = _link(user_id=user_id, text=str(message.get("text") or ""), now=now)
    ZaloOaEvent.objects.filter(pk=row.pk).update(outcome=outcome)
    return outcome


def account_links_by_oa(*, account: Account) -> bool:
    """Whether the contract's Zalo was linked through the OA (an unfollow there unlinks it)."""
    return (account.zalo_user_id or "").startswith(OA_PREFIX)
