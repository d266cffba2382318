"""The customer overview: one page per contract with everything a clerk on the phone needs, and a search for it.

Contract, customer, premise, service points, meters, recent readings, bills, messages sent and the portal
sign-in lock (with an "unlock" that goes through `customers.services.account_signin_unlock`, audited). Every
row comes through `org.policy.records`: staff of another team get a 404 for the page, and the lists show
only what the staff member may view. A fixed number of queries, whatever the account's history.
"""

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gridcare.backoffice.search import account_search_q
from gridcare.billing.models import Bill
from gridcare.billing.selectors import bills_for_account
from gridcare.core.formatting import format_day, format_number, format_vnd
from gridcare.customers import selectors as customer_selectors
from gridcare.customers import services as customer_services
from gridcare.customers import signin
from gridcare.customers.models import Account
from gridcare.metering.models import MeterInstallation, Reading
from gridcare.notifications.models import OutboxMessage
from gridcare.notifications.selectors import outbox_ids_for_accounts, outbox_visible
from gridcare.org import policy
from gridcare.payments.models import Payment

RECENT = 12
MESSAGES_DAYS = 180
SEARCH_LIMIT = 50


def overview_url(account) -> str:
    """The overview page of an account (or of the account with this code)."""
    return reverse("admin:customer_overview", args=[getattr(account, "code", account)])


def _visible_accounts(user):
    return customer_selectors.accounts_visible(user=user).select_related(
        "customer", "unit", "premise__commune", "premise__province"
    )


def _list_url(model, user, **params) -> str:
    """The back-office list of `model` filtered by `params`, or "" when the user may not view it."""
    if not policy.may_record(user=user, model=model, verb="view"):
        return ""
    from gridcare.backoffice.workday import changelist_url

    return changelist_url(model, **params)


def search_view(request, site):
    """Accounts matching the term (code, phone or its last digits, meter serial, name or address, no diacritics)."""
    term = request.GET.get("q", "").strip()
    accounts = []
    if term:
        accounts = list(
            _visible_accounts(request.user)
            .filter(account_search_q(term))
            .order_by("code", "pk")[: SEARCH_LIMIT + 1]
        )
        if len(accounts) == 1:
            return redirect(overview_url(accounts[0]))
    context = {
        **site.each_context(request), "title": _("Tìm khách hàng"), "term": term,
        "accounts": accounts[:SEARCH_LIMIT], "more": len(accounts) > SEARCH_LIMIT, "limit": SEARCH_LIMIT,
    }  # fmt: skip
    return TemplateResponse(request, "backoffice/overview/search.html", context)


def overview_view(request, code: str, site):
    """Everything about one contract the staff member may see; 404 for a contract outside their units."""
    account = _visible_accounts(request.user).filter(code=code.strip().upper()).first()
    if account is None:
        raise Http404(_("Không có hợp đồng này trong các đơn vị của bạn."))
    user, now = request.user, timezone.now()
    language = translation.get_language() or "vi"
    context = {
        **site.each_context(request),
        "title": _("Khách hàng %(code)s — %(name)s") % {"code": account.code, "name": account.customer.name},
        "account": account,
        "facts": _contract_facts(account, language=language),
        "other_accounts": list(
            customer_selectors.accounts_visible(user=user).filter(customer_id=account.customer_id).exclude(pk=account.pk)
            .order_by("code")
            .values_list("code", flat=True)[:20]
        ),
        "service_points": list(
            customer_selectors.service_points_visible(user=user).filter(account=account)
            .select_related("transformer_station")
            .order_by("code")
        ),
        "installations": _installations(account, user=user, language=language),
        "readings": _readings(account, user=user, language=language),
        "bills": _bills(account, user=user, language=language),
        "messages_sent": _messages(account, user=user, now=now),
        "lock": _lock(account, user=user, now=now),
        "links": {
            "account": reverse("admin:customers_account_change", args=[account.pk])
            if policy.may_record(user=user, model=Account, verb="view") else "",
            "bills": _list_url(Bill, user, q=account.code),
            "readings": _list_url(Reading, user, q=account.code),
            "messages": _list_url(OutboxMessage, user, q=account.code),
            "money": reverse("admin:payments_account_money", args=[account.code])
            if policy.may_record(user=user, model=Payment, verb="view") else "",
        },
    }  # fmt: skip
    return TemplateResponse(request, "backoffice/overview/account.html", context)


def _contract_facts(account, *, language: str) -> list[tuple[str, str]]:
    return [
        (_("Khách hàng"), f"{account.customer.name} ({account.customer.get_kind_display()})"),
        (_("Trạng thái"), account.get_status_display()),
        (_("Đội quản lý"), account.unit.name),
        (_("Địa điểm dùng điện"), str(account.premise)),
        (_("Mục đích sử dụng"), account.get_purpose_display()),
        (_("Cấp điện áp"), account.get_voltage_display()),
        (_("Số hộ dùng chung công tơ"), format_number(account.households, language=language)),
        (_("Điện thoại"), account.phone or "—"),
        (_("E-mail"), account.email or "—"),
        (_("Ngôn ngữ nhận tin"), account.get_preferred_language_display()),
        (_("Ngày bắt đầu"), format_day(account.start_date, language=language)),
    ]


def _installations(account, *, user, language: str) -> list[dict]:
    rows = (
        policy.records(MeterInstallation.objects.filter(account=account), user=user)
        .select_related("meter", "service_point")
        .order_by("-installed_on", "-pk")[:RECENT]
    )
    return [
        {
            "serial": row.meter.serial, "kind": row.meter.get_kind_display(),
            "time_of_use": row.meter.time_of_use, "service_point": row.service_point.code,
            "installed_on": format_day(row.installed_on, language=language),
            "removed_on": format_day(row.removed_on, language=language) if row.removed_on else "",
        }
        for row in rows
    ]  # fmt: skip


def _readings(account, *, user, language: str) -> list[dict]:
    rows = (
        policy.records(Reading.objects.filter(account=account), user=user)
        .select_related("meter")
        .order_by("-read_on", "-pk")[:RECENT]
    )
    return [
        {
            "pk": row.pk, "read_on": format_day(row.read_on, language=language), "meter": row.meter.serial,
            "total": format_number(row.total, language=language), "source": row.get_source_display(),
        }
        for row in rows
    ]  # fmt: skip


def _bills(account, *, user, language: str) -> list[dict]:
    rows = policy.records(bills_for_account(account=account), user=user).order_by("-period", "-pk")[:RECENT]
    return [
        {
            "url": reverse("admin:billing_bill_change", args=[row.pk]), "number": row.number,
            "period": f"{row.period:%m/%Y}", "kind": row.get_kind_display(), "status": row.get_status_display(),
            "held": row.status == Bill.Status.HELD, "kwh": format_number(row.kwh, language=language),
            "total": format_vnd(row.total, language=language),
            "due": format_day(row.due_date, language=language) if row.due_date else "",
        }
        for row in rows
    ]  # fmt: skip


def _messages(account, *, user, now: dt.datetime) -> list[dict]:
    if not policy.may_record(user=user, model=OutboxMessage, verb="view"):
        return []
    ids = outbox_ids_for_accounts(
        account_ids=[account.pk], since=now - dt.timedelta(days=MESSAGES_DAYS), limit=RECENT
    )
    rows = outbox_visible(user=user).filter(pk__in=ids).select_related("notice").order_by("-pk")
    return [
        {
            "created_at": timezone.localtime(row.created_at).strftime("%d/%m/%Y %H:%M"),
            "topic": row.notice.get_topic_display(), "channel": row.get_channel_display(),
            "status": row.get_status_display(), "failed": row.status == "failed",
        }
        for row in rows
    ]  # fmt: skip


def _lock(account, *, user, now: dt.datetime) -> dict:
    status = signin.account_lock_status(
        identifier=signin.signin_identifier(customer_code=account.code), now=now
    )
    until = timezone.localtime(status.locked_until).strftime("%H:%M %d/%m/%Y") if status.locked_until else ""
    return {
        "has_login": account.customer.user_id is not None,
        "failures": status.failures,
        "locked": status.addresses_locked > 0,
        "until": until,
        "may_unlock": status.failures > 0
        and policy.may(user=user, action="customers.unlock_signin", unit_id=account.unit_id),
    }


@require_POST
def unlock_view(request, code: str, site):
    """Lift the account's portal sign-in lock (operators and above, for their units' accounts); audited."""
    account = _visible_accounts(request.user).filter(code=code.strip().upper()).first()
    if account is None:
        raise Http404(_("Không có hợp đồng này trong các đơn vị của bạn."))
    if not policy.may(user=request.user, action="customers.unlock_signin", unit_id=account.unit_id):
        raise PermissionDenied(_("Vai trò của bạn không được mở khoá đăng nhập."))
    reason = request.POST.get("reason", "").strip()
    unlocked = customer_services.account_signin_unlock(
        account=account, user=request.user, now=timezone.now(), reason=reason
    )
    if unlocked:
        messages.success(request, _("Đã mở khoá đăng nhập cổng khách hàng (đã ghi nhật ký kiểm toán)."))
    else:
        messages.info(
            request, _("Mã khách hàng này không có lần đăng nhập sai nào gần đây: không có gì để mở khoá.")
        )
    return redirect(overview_url(account))


def overview_column(account_path: str = "account", *, description=None, ordering: str | None = None):
    """A list column of the account's code, linked to its overview (`account_path`: attribute path from the row)."""

    @admin.display(description=description or gettext_lazy("Mã khách hàng"), ordering=ordering)
    def column(self, obj):
        account = obj
        for name in filter(None, account_path.split(".")):
            account = getattr(account, name, None)
        if account is None:
            return ""
        return format_html('<a href="{}" class="overview-link">{}</a>', overview_url(account), account.code)

    return column
