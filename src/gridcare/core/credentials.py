"""Secrets that stand for a person: API tokens and two-factor enrolment links (issued, checked, spent).

Both are random and shown once; only their SHA-256 is stored (they are long random strings, so a plain
hash is enough: there is nothing to guess that a salt would protect), and both expire.
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from gridcare.core.models import ApiToken, EnrolmentLink


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user, now: dt.datetime) -> tuple[ApiToken, str]:
    """A new token for `user` (expiring after GRIDCARE_API_TOKEN_TTL_HOURS); returns the row and the key, shown once."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, key_hash=secret_hash(key), prefix=key[:8], created_at=now,
        expires_at=now + dt.timedelta(hours=settings.GRIDCARE_API_TOKEN_TTL_HOURS),
    )  # fmt: skip
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()  # expired ones are of no use to anyone
    return token, key


def api_token_find(*, key: str) -> ApiToken | None:
    """The token row of a presented key (expired or not), with its user."""
    if not key:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=secret_hash(key)).first()


def enrolment_link_issue(*, user, issued_by, now: dt.datetime) -> tuple[EnrolmentLink, str]:
    """A one-time enrolment link's secret for `user` (expiring after GRIDCARE_2FA_ENROLMENT_LINK_TTL_HOURS)."""
    secret = secrets.token_urlsafe(32)
    link = EnrolmentLink.objects.create(
        user=user, secret_hash=secret_hash(secret), created_by=issued_by, created_at=now,
        expires_at=now + dt.timedelta(hours=settings.GRIDCARE_2FA_ENROLMENT_LINK_TTL_HOURS),
    )  # fmt: skip
    return link, secret


def enrolment_link_find(*, secret: str, now: dt.datetime) -> EnrolmentLink | None:
    """The live (unused, unexpired) link of a secret, or None."""
    if not secret:
        return None
    return (
        EnrolmentLink.objects.select_related("user")
        .filter(secret_hash=secret_hash(secret), used_at__isnull=True, expires_at__gt=now)
        .first()
    )


def enrolment_link_live(*, link_id, user_id, now: dt.datetime) -> EnrolmentLink | None:
    """The link `link_id` of `user_id` while it is unused and unexpired, or None."""
    return (
        EnrolmentLink.objects.select_related("user")
        .filter(pk=link_id, user_id=user_id, used_at__isnull=True, expires_at__gt=now)
        .first()
    )


def enrolment_link_spend(*, link_id: int, now: dt.datetime) -> bool:
    """Mark the link used; False when it was already used or has expired (only one enrolment per link)."""
    return bool(
        EnrolmentLink.objects.filter(pk=link_id, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    )


def totp_device_pending(*, user, name: str) -> TOTPDevice:
    """The user's unconfirmed authenticator of this name, created when there is none yet (the enrolment's QR code)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False, name=name).order_by(
        "pk"
    ).first() or TOTPDevice.objects.create(user=user, name=name, confirmed=False)
