"""The "Thông báo" page of one account: the in-app inbox, channels per topic, and the consumption alert.

Every form is a plain POST that redirects back (works without JavaScript). A choice of channels that
would leave a service notice with no channel that reaches the customer is refused by `preferences_set`;
the page then explains it in plain words, with that notice's reason, and keeps the previous choice.
"Programmes and news" can be switched off altogether.
"""

import base64
import functools
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridcare.core.formatting import BUSINESS_TZ, format_day
from gridcare.notifications import conf, selectors, services
from gridcare.notifications.models import CHOOSABLE_TOPICS, Channel, ConsumptionAlert, Topic
from gridcare.payments import selectors as payment_selectors
from gridcare.portal.forms import ConsumptionAlertForm
from gridcare.portal.views import HOTLINE, own_account

INBOX_SHOWN = 20
# The order channels are offered in: the free ones first, SMS (slow, costs money) last.
CHANNEL_ORDER = (Channel.INBOX, Channel.PUSH, Channel.ZALO, Channel.EMAIL, Channel.SMS)


class _Refused(Exception):
    """Raised inside the atomic block so that no topic is saved when one is refused."""


def _channel_reasons() -> dict[str, str]:
    """Why a channel cannot be offered, and what to do about it."""
    return {
        Channel.EMAIL: _("Hợp đồng chưa có địa chỉ e-mail. Để thêm, xin gọi tổng đài %(hotline)s.")
        % {"hotline": HOTLINE},
        Channel.SMS: _("Hợp đồng chưa có số điện thoại. Để thêm, xin gọi tổng đài %(hotline)s.")
        % {"hotline": HOTLINE},
        Channel.ZALO: _(
            "Hợp đồng chưa liên kết Zalo với số điện thoại. Để liên kết, xin gọi tổng đài %(hotline)s."
        )
        % {"hotline": HOTLINE},
        Channel.PUSH: _("Chưa có điện thoại nào bật nhận thông báo của cổng khách hàng."),
        Channel.INBOX: _("Hộp thư chỉ dùng được khi có tài khoản cổng khách hàng."),
    }


def _service_notice_reasons() -> dict[str, str]:
    """Why each service notice must keep a channel that reaches the customer (the reason a refusal gives)."""
    return {
        Topic.BILLS: _("Hoá đơn tiền điện và hạn thanh toán phải đến được với quý khách"),
        Topic.PAYMENTS: _("Nhắc nợ tiền điện phải đến được với quý khách trước khi có thể bị ngừng cấp điện"),
        Topic.PLANNED_OUTAGE: _("Lịch ngừng cấp điện phải được báo trước cho quý khách"),
        Topic.INCIDENT: _("Tin sự cố mất điện và giờ có điện lại phải đến được với quý khách"),
        Topic.SERVICE_REQUEST: _("Kết quả yêu cầu dịch vụ của quý khách phải đến được với quý khách"),
        Topic.DEMAND_RESPONSE: _("Yêu cầu điều chỉnh phụ tải phải đến với quý khách kịp giờ"),
        Topic.CONSUMPTION_ALERT: _("Cảnh báo sản lượng quý khách đã đặt phải đến được với quý khách"),
    }


def _channel_label(channel: str) -> str:
    return capfirst(str(Channel(channel).label))


def _when(moment) -> str:
    local = moment.astimezone(BUSINESS_TZ)
    return f"{local:%H:%M} {format_day(local.date(), language=translation.get_language())}"


def _inbox(account, *, owned: bool) -> list[dict]:
    rows = []
    # A contract linked to this sign-in (not its own) shows its notices, but not the security notices of its own
    # customer's login (a password changed, a code asked for): those are about that person, not the contract.
    hidden = () if owned else (Topic.SECURITY,)
    shown = list(selectors.inbox_for_account(account=account, limit=INBOX_SHOWN, without_topics=hidden))
    # A notice about a bill opens that bill; a receipt opens the receipt (one query for the whole inbox).
    targets = payment_selectors.notice_targets(
        account=account,
        notices=[(m.notice.template_key, {**(m.notice.context or {}), **(m.context or {})}) for m in shown],
    )
    for message, target in zip(shown, targets, strict=True):
        message.account = account  # already loaded with its customer: no query per message
        subject, _newline, body = selectors.outbox_message_text(message=message).partition("\n")
        link = None
        if target is not None and target[0] == "bill":
            link = {"url": reverse("portal:bill", kwargs={"code": account.code, "number": target[1]}),
                    "label": _("Xem hoá đơn %(number)s") % {"number": target[1]}}  # fmt: skip
        elif target is not None:
            link = {"url": reverse("portal:receipt", kwargs={"code": account.code, "number": target[1]}),
                    "label": _("Xem biên lai %(number)s") % {"number": target[1]}}  # fmt: skip
        rows.append(
            {
                "id": message.pk,
                "subject": subject,
                "body": body,
                "when": _when(message.created_at),
                "unread": message.read_at is None,
                "link": link,
            }
        )
    return rows


def _page_context(*, account, customer, preferences=None, alert_form=None, refused=None) -> dict:
    available = services.account_contact_channels(account=account)
    channels = [c for c in CHANNEL_ORDER if c in available]
    reasons = _channel_reasons()
    unavailable = [
        {"label": _channel_label(c), "reason": reasons[c]} for c in CHANNEL_ORDER if c not in available
    ]
    chosen = preferences or selectors.preferences_for_account(account=account)
    refused = refused or {}
    topics = [
        {
            "value": topic.value,
            "label": capfirst(str(topic.label)),
            "error": refused.get(topic.value, ""),
            "channels": [
                {"value": c.value, "label": _channel_label(c), "checked": chosen[topic.value][c.value]}
                for c in channels
            ],
        }
        for topic in CHOOSABLE_TOPICS
    ]
    if alert_form is None:
        alert = selectors.consumption_alert_for_account(account=account)
        initial = (
            {"active": alert.active, "kind": alert.kind, "threshold": alert.threshold}
            if alert
            else {"active": False, "kind": ConsumptionAlert.Kind.KWH, "threshold": 200}
        )
        alert_form = ConsumptionAlertForm(initial=initial)
    inbox = _inbox(account, owned=account.customer_id == customer.pk)
    return {
        "customer": customer,
        "account": account,
        "topics": topics,
        "unavailable": unavailable,
        "reaches_outside_portal": bool(available - {Channel.INBOX}),
        "alert_form": alert_form,
        "inbox": inbox,
        "unread_ids": [row["id"] for row in inbox if row["unread"]],
        "refused_any": bool(refused),
        "vapid_public_key": vapid_public_key(),
        "hotline": HOTLINE,
    }


@functools.cache
def _public_key_of(private_key: str) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from py_vapid import Vapid

    raw = Vapid.from_string(private_key).public_key.public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def vapid_public_key() -> str:
    """The VAPID application server key browsers subscribe with (from the private key), or "" when unset."""
    private_key = conf.setting("VAPID_PRIVATE_KEY", "")
    if not private_key:
        return ""
    try:
        return _public_key_of(private_key)
    except (ValueError, TypeError):
        return ""  # a malformed key: no push button rather than a broken page


def _page_url(account, anchor: str) -> str:
    return reverse("portal:notifications", kwargs={"code": account.code}) + f"#{anchor}"


@never_cache
@require_GET
def notifications_page(request: HttpRequest, code: str) -> HttpResponse:
    """The account's messages, its channels per topic and its consumption alert."""
    customer, account, response = own_account(request, code)
    if response is not None:
        return response
    return render(request, "portal/notify_page.html", _page_context(account=account, customer=customer))


def _unavailable_kept(account, available: set[str]) -> set[str]:
    """Channels not offered on the page that stay chosen: kept as stored, or as the default when not stored.

    A customer without a push subscription today keeps push chosen for the day a phone subscribes.
    """
    hidden = [c for c in Channel.values if c not in available]
    refused = selectors.preferences_refused(account=account, channels=hidden)
    return {(topic.value, c) for topic in CHOOSABLE_TOPICS for c in hidden if (topic.value, c) not in refused}


def _get_shows_the_page(view):
    """A GET of a form's address (e.g. after switching language on an error page) shows the page instead of 405."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, code: str) -> HttpResponse:
        if request.method == "GET":
            return redirect("portal:notifications", code=code)
        return view(request, code)

    return require_http_methods(["GET", "POST"])(wrapper)


@_get_shows_the_page
def preferences_save(request: HttpRequest, code: str) -> HttpResponse:
    """Save the channels chosen for every topic; nothing is saved when one topic would reach nobody."""
    customer, account, response = own_account(request, code)
    if response is not None:
        return response
    available = services.account_contact_channels(account=account)
    kept = _unavailable_kept(account, available)
    refused: dict[str, str] = {}
    try:
        with transaction.atomic():
            for topic in CHOOSABLE_TOPICS:
                chosen = {c for c in request.POST.getlist(topic.value) if c in available}
                if chosen or topic not in services.SWITCH_OFF_ALLOWED_TOPICS:
                    # A topic switched off (every offered channel unticked) is off on the hidden ones too.
                    chosen |= {c for t, c in kept if t == topic.value}
                try:
                    services.preferences_set(account=account, topic=topic.value, channels=chosen)
                except services.NotificationError as exc:
                    if exc.code != "no_reachable_channel":
                        raise
                    names = ", ".join(
                        _channel_label(c) for c in CHANNEL_ORDER if c in exc.details.get("reachable", [])
                    )
                    reason = _service_notice_reasons().get(
                        topic, _("Thông báo dịch vụ phải đến được với quý khách")
                    )
                    refused[topic.value] = _(
                        "Cần chọn ít nhất một trong các kênh: %(channels)s. %(reason)s, kể cả khi quý khách không "
                        "mở cổng khách hàng."
                    ) % {"channels": names, "reason": reason}
            if refused:
                raise _Refused
    except _Refused:
        context = _page_context(account=account, customer=customer, refused=refused)
        return render(request, "portal/notify_page.html", context, status=400)
    messages.success(request, _("Đã lưu lựa chọn nhận thông báo."))
    return redirect(_page_url(account, "saved"))  # the message, at the top, is what the phone shows


@_get_shows_the_page
def alert_save(request: HttpRequest, code: str) -> HttpResponse:
    """Set or switch off the account's consumption alert."""
    customer, account, response = own_account(request, code)
    if response is not None:
        return response
    form = ConsumptionAlertForm(request.POST)
    if not form.is_valid():
        context = _page_context(account=account, customer=customer, alert_form=form)
        return render(request, "portal/notify_page.html", context, status=400)
    data = form.cleaned_data
    try:
        services.consumption_alert_set(
            account=account, kind=data["kind"], threshold=data["threshold"], active=data["active"]
        )
    except services.NotificationError as exc:
        form.add_error(None, str(exc))
        context = _page_context(account=account, customer=customer, alert_form=form)
        return render(request, "portal/notify_page.html", context, status=400)
    if data["active"]:
        messages.success(request, _("Đã bật cảnh báo sản lượng."))
    else:
        messages.success(request, _("Đã tắt cảnh báo sản lượng."))
    return redirect(_page_url(account, "saved"))


@_get_shows_the_page
def inbox_read(request: HttpRequest, code: str) -> HttpResponse:
    """Mark one or all of the account's inbox messages as read."""
    _customer, account, response = own_account(request, code)
    if response is not None:
        return response
    ids = [int(value) for value in request.POST.getlist("message") if value.isdigit()]
    services.inbox_mark_read(account=account, ids=ids, now=timezone.now())
    return redirect(_page_url(account, "inbox"))


@require_POST
def push_subscribe(request: HttpRequest, code: str) -> HttpResponse:
    """Register this browser's Web Push subscription (JSON as `PushSubscription.toJSON()` gives it)."""
    _customer, account, response = own_account(request, code)
    if response is not None:
        return response
    try:
        data = json.loads(request.body or b"{}")
        endpoint, keys = str(data["endpoint"]), data["keys"]
        p256dh, auth = str(keys["p256dh"]), str(keys["auth"])
        URLValidator(schemes=["https"])(endpoint)
    except (ValueError, KeyError, TypeError, ValidationError):
        return JsonResponse(
            {"code": "invalid_subscription", "message": _("Đăng ký nhận thông báo không hợp lệ.")}, status=400
        )
    if len(endpoint) > 500 or not 0 < len(p256dh) <= 200 or not 0 < len(auth) <= 100:
        return JsonResponse(
            {"code": "invalid_subscription", "message": _("Đăng ký nhận thông báo không hợp lệ.")}, status=400
        )
    try:
        services.push_subscription_add(
            account=account, endpoint=endpoint, p256dh=p256dh, auth=auth, now=timezone.now()
        )
    except services.NotificationError as exc:
        return JsonResponse({"code": exc.code, "message": str(exc)}, status=400)
    return JsonResponse({"code": "ok", "message": _("Điện thoại này sẽ nhận thông báo.")}, status=201)
