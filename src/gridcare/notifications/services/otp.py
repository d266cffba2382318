"""One-time codes: issued (with per-account and utility-wide hourly limits), requested by customer code, verified."""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gridcare.core import throttle
from gridcare.core.sealing import seal
from gridcare.customers.models import Account
from gridcare.notifications import conf
from gridcare.notifications.models import Channel, OtpChallenge, OtpPurpose, Topic, Urgency
from gridcare.notifications.services.base import NotificationError
from gridcare.notifications.services.fanout import notify, notify_address
from gridcare.notifications.services.preferences import account_contact_channels


def _otp_hash(*, salt: str, code: str) -> str:
    return hmac.new(f"{settings.SECRET_KEY}:{salt}".encode(), code.encode(), hashlib.sha256).hexdigest()


OTP_GLOBAL_WINDOW = dt.timedelta(hours=1)


def _otp_global_slot_take(*, now: dt.datetime) -> bool:
    """Take one of the codes all accounts together may be sent this hour (SMS pumping); False when none is left.

    The count is in the shared cache (`core.throttle`), so every worker sees it; a refused issue counts too.
    """
    cap = conf.int_setting("OTP_MAX_PER_HOUR_GLOBAL", 0)
    if cap <= 0:
        return True
    throttle.hit(key="otp:issued:all", now=now, window=OTP_GLOBAL_WINDOW)
    return throttle.count(key="otp:issued:all", now=now, window=OTP_GLOBAL_WINDOW) <= cap


@transaction.atomic
def otp_issue(
    *,
    account: Account,
    channel: str,
    now: dt.datetime,
    purpose: str = OtpPurpose.SIGNIN,
    destination: str = "",
) -> OtpChallenge:
    """Create a short-lived code and queue it to the account on `channel` (SMS, Zalo or e-mail).

    The code is good only for its `purpose`. With a `destination` (a new phone number to confirm) the code goes
    there instead of to the contract's own contact. The hourly limits count every purpose together.
    """
    if channel not in (Channel.SMS, Channel.ZALO, Channel.EMAIL):
        raise NotificationError("otp_channel", str(_("Không gửi được mã qua kênh này.")))
    if purpose not in OtpPurpose.values:
        raise NotificationError("otp_purpose", str(_("Không gửi được mã cho việc này.")))
    if not destination and channel not in account_contact_channels(account=account):
        raise NotificationError("otp_no_contact", str(_("Hợp đồng chưa có thông tin liên lạc cho kênh này.")))
    per_hour = conf.int_setting("OTP_MAX_PER_HOUR", 5)
    Account.objects.select_for_update().filter(pk=account.pk).first()  # serialise issues per account
    recent = OtpChallenge.objects.filter(account=account, created_at__gt=now - dt.timedelta(hours=1)).count()
    if recent >= per_hour:
        raise NotificationError(
            "otp_rate_limited", str(_("Quý khách đã yêu cầu quá nhiều mã, vui lòng thử lại sau một giờ."))
        )
    if not _otp_global_slot_take(now=now):
        raise NotificationError(
            "otp_rate_limited", str(_("Quý khách đã yêu cầu quá nhiều mã, vui lòng thử lại sau một giờ."))
        )
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    ttl = conf.int_setting("OTP_TTL_SECONDS", 300)
    OtpChallenge.objects.filter(account=account, purpose=purpose, consumed_at__isnull=True).update(
        expires_at=now
    )
    challenge = OtpChallenge.objects.create(
        account=account, channel=channel, code_hash=_otp_hash(salt=salt, code=code), salt=salt,
        created_at=now, expires_at=now + dt.timedelta(seconds=ttl), purpose=purpose, destination=destination,
    )  # fmt: skip
    # The code is sealed: staff who open the notice, or a copy of the database, do not see a live code.
    context = {"code": {"sealed": seal(code)}, "minutes": ttl // 60}
    if destination:
        notify_address(
            account=account, channel=channel, address=destination, topic=Topic.SECURITY, template="otp_code",
            context=context, key=f"otp:{challenge.pk}", now=now,
        )  # fmt: skip
    else:
        notify(
            topic=Topic.SECURITY, recipients=[account.pk], template="otp_code", context=context,
            urgency=Urgency.URGENT, key=f"otp:{challenge.pk}", channels=[channel], honour_preferences=False, now=now,
        )  # fmt: skip
    return challenge


def otp_request(
    *, customer_code: str, channel: str, now: dt.datetime, purpose: str = OtpPurpose.SIGNIN
) -> None:
    """Send a code for a typed customer code when its customer can sign in to the portal; silent otherwise.

    Runs in the background (`tasks.otp_send`), so that the portal answers in the same time whether
    the code exists, has a login, a contact on that channel or too many codes already. A code to add
    the contract to another login (`account_link`) needs no login of the contract's own.
    """
    account = Account.objects.select_related("customer__user").filter(code=customer_code).first()
    if account is None or account.status == Account.Status.CLOSED:
        return
    user = account.customer.user
    if purpose != OtpPurpose.ACCOUNT_LINK and (user is None or not user.is_active):
        return
    try:
        otp_issue(account=account, channel=channel, now=now, purpose=purpose)
    except NotificationError:
        return


@transaction.atomic
def otp_verify(
    *,
    account: Account,
    code: str,
    now: dt.datetime,
    purpose: str = OtpPurpose.SIGNIN,
    destination: str | None = None,
) -> bool:
    """Check a code against the account's live challenge of that purpose; each try counts, a success consumes it.

    With `destination`, only a code sent to that address counts (a new phone number is confirmed by its own code).
    """
    live = OtpChallenge.objects.select_for_update().filter(
        account=account, purpose=purpose, consumed_at__isnull=True, expires_at__gt=now
    )
    if destination is not None:
        live = live.filter(destination=destination)
    challenge = live.order_by("-created_at", "-pk").first()
    if challenge is None or challenge.attempts >= conf.int_setting("OTP_MAX_ATTEMPTS", 5):
        return False
    challenge.attempts += 1
    ok = hmac.compare_digest(challenge.code_hash, _otp_hash(salt=challenge.salt, code=str(code).strip()))
    if ok:
        challenge.consumed_at = now
    challenge.save(update_fields=["attempts", "consumed_at"])
    return ok
