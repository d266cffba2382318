"""The customer's own account management: password, contact details, bill delivery, contracts of others.

Each of these changes is confirmed by a one-time code or a signed link and told to the customer, so it
needs both the customer records (`customers.services`, audited) and this area (codes, notices): this is
the lowest layer that knows both. Every function runs in one transaction; notices are queued in it and
delivered only if it commits. Throttling of the codes typed (per customer code and per address, the same
counters as the code sign-in) is the interface's, as for the sign-in (`customers.signin`).
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from gridcare.customers import services as customer_services
from gridcare.customers.models import Account, BillDelivery, ContactChange, e164
from gridcare.customers.selectors import accounts_for_user, pending_contact_change
from gridcare.notifications import selectors, services
from gridcare.notifications.models import Channel, OtpPurpose, Topic, Urgency
from gridcare.notifications.services import NotificationError

EMAIL_LINK_SALT = "gridcare.portal.email-confirm"

# What the security notice says, in each language (the template's `{change}`).
CHANGES = {
    "password_changed": {"vi": "mật khẩu cổng khách hàng vừa được đổi", "en": "the portal password was just changed",
                         "fr": "le mot de passe du portail vient d'être modifié"},
    "password_reset": {"vi": "mật khẩu cổng khách hàng vừa được đặt lại bằng mã xác thực",
                       "en": "the portal password was just reset with a one-time code",
                       "fr": "le mot de passe du portail vient d'être réinitialisé avec un code"},
    "email_changed": {"vi": "e-mail nhận thông báo vừa được đổi", "en": "the e-mail address for notices was just changed",
                      "fr": "l'adresse e-mail des avis vient d'être modifiée"},
    "phone_changed": {"vi": "số điện thoại của hợp đồng vừa được đổi", "en": "the contract's phone number was just changed",
                      "fr": "le numéro de téléphone du contrat vient d'être modifié"},
    "email_removed": {"vi": "e-mail nhận thông báo vừa được bỏ khỏi hợp đồng",
                      "en": "the e-mail address for notices was just removed from the contract",
                      "fr": "l'adresse e-mail des avis vient d'être retirée du contrat"},
    "zalo_unlinked": {"vi": "Zalo vừa được bỏ liên kết; thông báo sẽ đến qua các kênh còn lại",
                      "en": "Zalo was just unlinked; notices now come on the remaining channels",
                      "fr": "Zalo vient d'être délié ; les avis arrivent par les autres canaux"},
    "zalo_unfollowed": {"vi": "tài khoản Zalo đã bỏ quan tâm Zalo OA của điện lực nên không còn nhận thông báo qua Zalo; "
                                "thông báo sẽ đến qua SMS hoặc các kênh còn lại",
                        "en": "the Zalo account stopped following the utility's Official Account, so notices no longer come "
                              "by Zalo; they now come by SMS or the remaining channels",
                        "fr": "le compte Zalo ne suit plus le compte officiel du distributeur : les avis n'arrivent plus par "
                              "Zalo, mais par SMS ou les autres canaux"},
    "zalo_linked": {"vi": "Zalo vừa được liên kết để nhận thông báo", "en": "Zalo was just linked to receive notices",
                    "fr": "Zalo vient d'être lié pour recevoir les avis"},
    "account_linked": {"vi": "hợp đồng này vừa được thêm vào một tài khoản cổng khách hàng khác",
                       "en": "this contract was just added to another portal login",
                       "fr": "ce contrat vient d'être ajouté à un autre compte du portail"},
    "account_unlinked": {"vi": "hợp đồng này vừa được bỏ khỏi một tài khoản cổng khách hàng khác",
                         "en": "this contract was just removed from another portal login",
                         "fr": "ce contrat vient d'être retiré d'un autre compte du portail"},
}  # fmt: skip


class SelfServiceError(NotificationError):
    """A refused self-service step, with a stable `code` and a message for the customer."""


def security_notice(*, account_ids: list[int], change: str, now: dt.datetime, key: str | None = None) -> None:
    """Tell the customers of these contracts, on their channels, that `change` happened (urgent, security topic)."""
    if account_ids:
        services.notify(
            topic=Topic.SECURITY, recipients=sorted(set(account_ids)), template="security_notice",
            context={"change": CHANGES[change]}, urgency=Urgency.URGENT, key=key, now=now,
        )  # fmt: skip


def _own_account_ids(*, user) -> list[int]:
    """The login's own contract that hears about its password (the first open one by code)."""
    first = (
        Account.objects.filter(customer__user=user)
        .exclude(status=Account.Status.CLOSED)
        .order_by("code", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return [first] if first is not None else []


# --- password ------------------------------------------------------------------------------------


@transaction.atomic
def password_change(*, user: Any, current_password: str, new_password: str, now: dt.datetime) -> None:
    """Change a signed-in customer's password (new one validated by the caller); refused when the current one is wrong."""
    if not user.check_password(current_password):
        raise SelfServiceError(
            "wrong_password", _("Mật khẩu hiện tại chưa đúng. Hãy nhập lại mật khẩu đang dùng.")
        )
    customer_services.portal_password_set(
        user=user, password=new_password, reason="portal: đổi mật khẩu", now=now
    )
    security_notice(account_ids=_own_account_ids(user=user), change="password_changed", now=now)


def portal_account(*, customer_code: str) -> Account | None:
    """The contract of a typed code when its customer can sign in to the portal, else None."""
    account = Account.objects.select_related("customer__user").filter(code=customer_code).first()
    if account is None or account.customer.user is None or not account.customer.user.is_active:
        return None
    return account


@transaction.atomic
def password_reset(*, customer_code: str, code: str, new_password: str, now: dt.datetime) -> Any | None:
    """Set a new password with the one-time code sent to the contract's phone; the user, or None for a wrong code."""
    account = portal_account(customer_code=customer_code)
    if account is None or not services.otp_verify(
        account=account, code=code, now=now, purpose=OtpPurpose.PASSWORD_RESET
    ):
        return None
    user = account.customer.user
    customer_services.portal_password_set(
        user=user, password=new_password, reason="portal: đặt lại mật khẩu", now=now
    )
    security_notice(account_ids=[account.pk], change="password_reset", now=now)
    return user


# --- e-mail --------------------------------------------------------------------------------------


def email_link_hours() -> int:
    return int(getattr(settings, "GRIDCARE_EMAIL_LINK_HOURS", 24))


@transaction.atomic
def email_change_request(
    *, account: Account, user: Any, email: str, link_base: str, now: dt.datetime
) -> ContactChange:
    """Ask to receive the contract's notices at `email`: a signed link that expires goes to that address.

    The e-mail becomes the contract's only when the link is opened and confirmed (`email_change_confirm`).
    """
    email = email.strip()
    if email.lower() == (account.email or "").lower():
        raise SelfServiceError(
            "email_unchanged", _("Đây đã là e-mail của hợp đồng. Hãy nhập một địa chỉ khác.")
        )
    change = customer_services.contact_change_request(
        account=account, kind=ContactChange.Kind.EMAIL, new_value=email, user=user, now=now
    )
    token = signing.dumps({"c": change.pk, "e": email}, salt=EMAIL_LINK_SALT)
    services.notify_address(
        account=account, channel=Channel.EMAIL, address=email, topic=Topic.SECURITY, template="email_confirm",
        context={"link": f"{link_base}{token}/", "hours": email_link_hours()}, key=f"email-confirm:{change.pk}", now=now,
    )  # fmt: skip
    return change


def email_change_pending(*, token: str) -> ContactChange:
    """The pending change a link stands for; refuses a forged, expired or already used link."""
    try:
        data = signing.loads(token, salt=EMAIL_LINK_SALT, max_age=dt.timedelta(hours=email_link_hours()))
    except signing.SignatureExpired as exc:
        raise SelfServiceError(
            "link_expired",
            _("Liên kết đã hết hạn. Hãy vào cổng khách hàng và nhập lại e-mail để nhận liên kết mới."),
        ) from exc
    except signing.BadSignature as exc:
        raise SelfServiceError(
            "link_invalid",
            _("Liên kết không đúng. Hãy mở đúng liên kết trong thư, hoặc yêu cầu gửi thư mới."),
        ) from exc
    change = (
        ContactChange.objects.select_related("account")
        .filter(pk=data.get("c"), kind=ContactChange.Kind.EMAIL)
        .first()
    )
    if change is None or change.new_value != data.get("e") or change.status != ContactChange.Status.PENDING:
        raise SelfServiceError(
            "link_used", _("Liên kết này đã được dùng hoặc đã có yêu cầu mới hơn. Hãy mở thư mới nhất.")
        )
    return change


@transaction.atomic
def email_change_confirm(*, token: str, now: dt.datetime) -> Account:
    """Make the e-mail of a valid link the contract's (whoever opens it proves they read that mailbox)."""
    change = email_change_pending(token=token)
    account = customer_services.contact_change_confirm(change=change, user=change.requested_by, now=now)
    security_notice(account_ids=[account.pk], change="email_changed", now=now)
    return account


# --- phone ---------------------------------------------------------------------------------------


def phone_normalise(value: str) -> str:
    """A Vietnamese number as typed ("0912 345 678", "+84 912…") in E.164 (+84912345678); refused when it is not one."""
    digits = "".join(ch for ch in value if ch.isdigit() or ch == "+")
    if digits.startswith("0") and not digits.startswith("00"):
        digits = "+84" + digits[1:]
    elif digits.startswith("84"):
        digits = "+" + digits
    try:
        e164(digits)
    except Exception as exc:  # noqa: BLE001 - Django's ValidationError, turned into our message
        raise SelfServiceError(
            "phone_invalid", _("Số điện thoại chưa đúng. Hãy nhập số di động, ví dụ 0912345678.")
        ) from exc
    return digits


@transaction.atomic
def phone_change_request(*, account: Account, user: Any, phone: str, now: dt.datetime) -> ContactChange:
    """Ask to change the contract's phone: a code goes by SMS to the new number (nothing changes before it is typed)."""
    phone = phone_normalise(phone)
    if phone == account.phone:
        raise SelfServiceError(
            "phone_unchanged", _("Đây đã là số điện thoại của hợp đồng. Hãy nhập một số khác.")
        )
    change = customer_services.contact_change_request(
        account=account, kind=ContactChange.Kind.PHONE, new_value=phone, user=user, now=now
    )
    services.otp_issue(
        account=account, channel=Channel.SMS, now=now, purpose=OtpPurpose.PHONE_CHANGE, destination=phone
    )
    return change


@transaction.atomic
def phone_change_confirm(*, account: Account, user: Any, code: str, now: dt.datetime) -> bool:
    """Apply the pending new phone when `code` is the one sent to it; the old number is told of the change."""
    change = pending_contact_change(account=account, kind=ContactChange.Kind.PHONE)
    if change is None:
        return False
    if not services.otp_verify(
        account=account, code=code, now=now, purpose=OtpPurpose.PHONE_CHANGE, destination=change.new_value
    ):
        return False
    old = account.phone
    account = customer_services.contact_change_confirm(change=change, user=user, now=now)
    if old:
        services.notify_address(
            account=account, channel=Channel.SMS, address=old, topic=Topic.SECURITY, template="security_notice",
            context={"change": CHANGES["phone_changed"]}, key=f"phone-changed-old:{change.pk}", now=now,
        )  # fmt: skip
    security_notice(account_ids=[account.pk], change="phone_changed", now=now)
    return True


# --- Zalo ----------------------------------------------------------------------------------------


def zalo_identity(phone: str) -> str:
    """What is stored as the contract's Zalo: ZNS reaches a Zalo account by its phone number (no OA follow flow yet)."""
    return f"phone:{phone}"


@transaction.atomic
def zalo_link_request(*, account: Account, user: Any, now: dt.datetime) -> ContactChange:
    """Ask to receive notices by Zalo: a code goes through Zalo (ZNS) to the contract's phone."""
    if not account.phone:
        raise SelfServiceError(
            "zalo_no_phone",
            _("Hợp đồng chưa có số điện thoại. Hãy thêm số điện thoại trước, rồi liên kết Zalo."),
        )
    change = customer_services.contact_change_request(
        account=account,
        kind=ContactChange.Kind.ZALO,
        new_value=zalo_identity(account.phone),
        user=user,
        now=now,
    )
    services.otp_issue(
        account=account,
        channel=Channel.ZALO,
        now=now,
        purpose=OtpPurpose.ZALO_LINK,
        destination=account.phone,
    )
    return change


@transaction.atomic
def zalo_link_confirm(*, account: Account, user: Any, code: str, now: dt.datetime) -> bool:
    """Link Zalo when `code` is the one Zalo delivered to the contract's phone."""
    change = pending_contact_change(account=account, kind=ContactChange.Kind.ZALO)
    if change is None or change.new_value != zalo_identity(account.phone):
        return False
    if not services.otp_verify(
        account=account, code=code, now=now, purpose=OtpPurpose.ZALO_LINK, destination=account.phone
    ):
        return False
    account = customer_services.contact_change_confirm(change=change, user=user, now=now)
    security_notice(account_ids=[account.pk], change="zalo_linked", now=now)
    return True


# --- removing a contact ----------------------------------------------------------------------------------


REMOVABLE = {ContactChange.Kind.EMAIL: Channel.EMAIL, ContactChange.Kind.ZALO: Channel.ZALO}


def _keep_reaching(*, account: Account) -> list[str]:
    """After a channel went away: each service topic whose chosen channels no longer reach the customer gets SMS
    (or, without a phone, the channels that still reach them). Returns the topics that changed."""
    reachable = services.account_contact_channels(account=account) - {Channel.INBOX}
    if not reachable:
        return []
    fallback = {Channel.SMS} if Channel.SMS in reachable else reachable
    moved = []
    for topic, channels in selectors.preferences_for_account(account=account).items():
        if topic in services.SWITCH_OFF_ALLOWED_TOPICS:
            continue
        chosen = {channel for channel, enabled in channels.items() if enabled}
        if not chosen & reachable:
            services.preferences_set(account=account, topic=topic, channels=chosen | fallback)
            moved.append(topic)
    return moved


def contact_removal_refused(*, account: Account, kind: str) -> str:
    """Why removing this contact is refused ('' when it may go): it must not be the last channel that reaches them."""
    if kind not in REMOVABLE:
        return _("Chỉ bỏ được e-mail hoặc liên kết Zalo.")
    if not (account.email if kind == ContactChange.Kind.EMAIL else account.zalo_user_id):
        return _("Hợp đồng chưa có thông tin này, không có gì để bỏ.")
    left = services.account_contact_channels(account=account) - {Channel.INBOX, REMOVABLE[kind]}
    if not left:
        if kind == ContactChange.Kind.EMAIL:
            return _("E-mail là kênh duy nhất liên lạc được với quý khách ngoài cổng khách hàng. Hãy thêm số điện "
                     "thoại hoặc liên kết Zalo trước, rồi bỏ e-mail.")  # fmt: skip
        return _("Zalo là kênh duy nhất liên lạc được với quý khách ngoài cổng khách hàng. Hãy thêm e-mail hoặc "
                 "bật thông báo trên điện thoại trước, rồi bỏ Zalo.")  # fmt: skip
    return ""


@transaction.atomic
def contact_remove(
    *, account: Account, user: Any, kind: str, now: dt.datetime, reason: str = ""
) -> list[str]:
    """Remove the contract's e-mail or Zalo link (a confirmed ContactChange, audited); refused when no channel that
    reaches the customer would remain. Topics that used only it fall back to SMS; the customer is told on the
    remaining channels. Returns the topics that changed channel."""
    refused = contact_removal_refused(account=account, kind=kind)
    if refused:
        raise SelfServiceError("contact_last_channel" if kind in REMOVABLE else "contact_unknown", refused)
    customer_services.contact_remove(
        account=account, kind=kind, user=user, now=now,
        reason=reason or ("portal: bỏ e-mail" if kind == ContactChange.Kind.EMAIL else "portal: bỏ liên kết Zalo"),
    )  # fmt: skip
    account = Account.objects.select_related("customer").get(pk=account.pk)
    moved = _keep_reaching(account=account)
    security_notice(
        account_ids=[account.pk], now=now,
        change="email_removed" if kind == ContactChange.Kind.EMAIL else "zalo_unlinked",
    )  # fmt: skip
    return moved


def contact_unreachable_after_unfollow(*, account: Account, now: dt.datetime) -> list[str]:
    """Zalo told us the customer unfollowed the OA: Zalo goes (it cannot be refused), topics fall back to SMS."""
    customer_services.contact_remove(
        account=account,
        kind=ContactChange.Kind.ZALO,
        user=None,
        now=now,
        reason="Zalo OA: khách hàng bỏ quan tâm",
    )
    account = Account.objects.select_related("customer").get(pk=account.pk)
    moved = _keep_reaching(account=account)
    security_notice(account_ids=[account.pk], change="zalo_unfollowed", now=now)
    return moved


# --- bill delivery -------------------------------------------------------------------------------


def bill_delivery_options(*, account: Account) -> dict[str, bool]:
    """{choice: whether the contract can choose it now} (app needs a phone that subscribed, e-mail and Zalo their contact)."""
    reachable = services.account_contact_channels(account=account)
    return {
        BillDelivery.APP: Channel.PUSH in reachable,
        BillDelivery.EMAIL: Channel.EMAIL in reachable,
        BillDelivery.ZALO: Channel.ZALO in reachable,
        BillDelivery.PAPER: True,
    }


@transaction.atomic
def bill_delivery_set(*, account: Account, user: Any, choice: str) -> Account:
    """Choose how bills arrive; bill-ready notices then go to that channel (and the portal inbox).

    Paper: the bill is printed for the counter (`customers.selectors.paper_bill_accounts`) and its notice goes by
    SMS, or when there is no phone by the channels that reach the customer. The "keep one channel that reaches
    you" rule of `preferences_set` still holds.
    """
    if choice not in BillDelivery.values:
        raise SelfServiceError("bill_delivery_unknown", _("Hãy chọn một cách nhận hoá đơn."))
    if not bill_delivery_options(account=account)[choice]:
        reasons = {
            BillDelivery.APP: _(
                "Hãy bật «Nhận thông báo trên điện thoại này» ở trang Thông báo trước, rồi chọn lại."
            ),
            BillDelivery.EMAIL: _(
                "Hợp đồng chưa có e-mail đã xác nhận. Hãy thêm e-mail trước, rồi chọn lại."
            ),
            BillDelivery.ZALO: _("Hợp đồng chưa liên kết Zalo. Hãy liên kết Zalo trước, rồi chọn lại."),
        }
        raise SelfServiceError("bill_delivery_unavailable", reasons[choice])
    channels = {Channel.INBOX}
    if choice == BillDelivery.APP:
        channels.add(Channel.PUSH)
    elif choice == BillDelivery.EMAIL:
        channels.add(Channel.EMAIL)
    elif choice == BillDelivery.ZALO:
        channels.add(Channel.ZALO)
    elif account.phone:
        channels.add(Channel.SMS)
    else:
        channels |= services.account_contact_channels(account=account)
    services.preferences_set(account=account, topic=Topic.BILLS, channels=channels)
    return customer_services.account_bill_delivery_set(account=account, bill_delivery=choice, user=user)


# --- contracts of others -------------------------------------------------------------------------


def linkable_account(*, customer_code: str) -> Account | None:
    """An open contract by its code (the code a customer types to add it), or None."""
    return (
        Account.objects.select_related("customer")
        .filter(code=customer_code)
        .exclude(status=Account.Status.CLOSED)
        .first()
    )


@transaction.atomic
def account_link_confirm(*, user: Any, customer_code: str, code: str, now: dt.datetime) -> Account | None:
    """Add a contract to the login when `code` is the one sent to that contract's phone; None for a wrong code.

    The contract's own customer is told on their channels; a contract the login already uses is returned as is.
    """
    account = linkable_account(customer_code=customer_code)
    if account is None or not services.otp_verify(
        account=account, code=code, now=now, purpose=OtpPurpose.ACCOUNT_LINK
    ):
        return None
    if accounts_for_user(user=user).filter(pk=account.pk).exists():
        return account
    customer_services.account_link_add(user=user, account=account, now=now)
    security_notice(account_ids=[account.pk], change="account_linked", now=now)
    return account


@transaction.atomic
def account_unlink(*, user: Any, account: Account, now: dt.datetime) -> bool:
    """Stop using a linked contract (a login's own contracts stay); its customer is told."""
    if not customer_services.account_link_remove(user=user, account=account):
        return False
    security_notice(account_ids=[account.pk], change="account_unlinked", now=now)
    return True
