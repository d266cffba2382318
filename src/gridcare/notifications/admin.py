"""Back-office pages of the notifications area: templates, the outbox, notices and the reachability report.

The classes are registered on the back-office site by `gridcare.backoffice.admin.notifications`
(a lower layer never imports the back office), through `register(site)` below.
"""

import datetime as dt
import math
import os
from urllib.parse import urlsplit

from babel.numbers import format_decimal
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from gridcare.core.admin_mixins import ReadOnlyAdminMixin
from gridcare.core.charts import Series, bar_chart_svg
from gridcare.core.formatting import babel_locale
from gridcare.customers.models import Account
from gridcare.notifications import conf, selectors, services
from gridcare.notifications.models import (
    Channel,
    ConsumptionAlert,
    DeliveryReceipt,
    Notice,
    OutboxMessage,
    OutboxStatus,
    Preference,
    PushSubscription,
    Template,
)
from gridcare.notifications.rendering import TemplateError, placeholders
from gridcare.org.selectors import visible_unit_ids


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = (
            "key",
            "topic",
            "channel",
            "language",
            "subject",
            "body",
            "parameters",
            "zns_template_id",
            "active",
        )

    def clean(self):
        data = super().clean()
        try:
            names = placeholders(data.get("subject", "")) | placeholders(data.get("body", ""))
        except TemplateError as exc:
            raise forms.ValidationError(str(exc)) from exc
        limits = data.get("parameters") or {}
        if not isinstance(limits, dict) or not all(isinstance(v, int) and v > 0 for v in limits.values()):
            raise forms.ValidationError(_('Tham số phải là {"tên": độ dài tối đa} với độ dài là số dương.'))
        if data.get("channel") == "zalo":
            unknown = sorted(names - set(limits))
            if unknown:
                raise forms.ValidationError(
                    _("Mẫu Zalo cần độ dài tối đa cho mọi tham số: %(names)s.")
                    % {"names": ", ".join(unknown)}
                )
        return data


class TemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ("key", "topic", "channel", "language", "active", "updated_at")
    list_filter = ("topic", "channel", "language", "active")
    search_fields = ("key", "subject", "body")
    ordering = ("key", "channel", "language")


class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at", "account_code", "customer_name", "channel", "to_address", "status", "attempts",
        "sent_at", "delivered_at", "last_error", "notice",
    )  # fmt: skip
    list_filter = ("channel", "status", "notice__topic", "urgent")
    search_fields = ("account__code", "notice__key")  # see get_search_results
    search_help_text = _("Tìm theo mã khách hàng (tin của 180 ngày gần nhất) hoặc theo khoá sự kiện.")
    list_select_related = ("notice", "account__customer")
    change_list_template = "notifications/outbox_change_list.html"
    ordering = ("-id",)  # the primary key's order is the order rows were queued in
    search_days = 180
    show_full_result_count = False  # the outbox holds millions of rows
    readonly_fields = ["message_text", *(f.name for f in OutboxMessage._meta.fields)]
    actions = ["retry_failed"]

    @admin.display(description=_("nội dung gửi"))
    def message_text(self, obj):
        # Staff do not see one-time codes; only a demo without any SMS/Zalo provider turns that off
        # (GRIDCARE_OTP_SHOWN_TO_STAFF=1, set by `make demo`), so that a tester can read the code here.
        shown = conf.bool_setting("OTP_SHOWN_TO_STAFF", False)
        return selectors.outbox_message_text(message=obj, hide_sealed=not shown)

    @admin.display(description=_("mã khách hàng"), ordering="account__code")
    def account_code(self, obj):
        return obj.account.code

    @admin.display(description=_("khách hàng"))
    def customer_name(self, obj):
        return obj.account.customer.name

    @admin.display(description=_("gửi tới"))
    def to_address(self, obj):
        """The address the provider accepted, or before sending the contact the message will go to."""
        if obj.address:
            return obj.address
        if (obj.context or {}).get(
            "deliver_to"
        ):  # a message to a new (or the old) contact (`services.notify_address`)
            return obj.context["deliver_to"]
        return {"sms": obj.account.phone, "zalo": obj.account.phone, "email": obj.account.email}.get(
            obj.channel, ""
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def account_ids_for_search(self, term: str) -> list[int]:
        """Accounts a search term names exactly (the back office adds phone numbers and meter serials)."""
        return list(Account.objects.filter(code=term.upper()).values_list("pk", flat=True))

    def get_search_results(self, request, queryset, search_term):
        """Exact look-ups only: a customer's recent messages, or a notice's by its key.

        A substring search over the customers of a million-row outbox would scan it all.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        account_ids = self.account_ids_for_search(term)
        if account_ids:
            since = timezone.now() - dt.timedelta(days=self.search_days)
            return queryset.filter(
                pk__in=selectors.outbox_ids_for_accounts(account_ids=account_ids, since=since)
            ), False
        return queryset.filter(notice_id__in=selectors.notice_ids_by_key(term=term)), False

    @admin.action(description=_("Gửi lại các tin thất bại đã chọn"), permissions=["change"])
    def retry_failed(self, request, queryset: QuerySet):
        count = services.outbox_requeue(ids=list(queryset.values_list("pk", flat=True)), now=timezone.now())
        self.message_user(request, _("Đã xếp lại %(n)d tin để gửi.") % {"n": count}, messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view(self.reachability_view)
        return [path("reachability/", view, name="notifications_reachability"), *super().get_urls()]

    def reachability_view(self, request):
        """Per unit: the share of accounts each channel reaches, and e-bill adoption."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = selectors.reachability_by_unit(unit_ids=visible_unit_ids(user=request.user))
        language = translation.get_language()
        rows = [_reachability_row(entry, name=entry["unit"].name, language=language) for entry in report]
        total = _reachability_row(_reachability_sum(report), name=_("Tổng cộng"), language=language)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Khả năng liên lạc với khách hàng theo đơn vị"),
            "rows": rows,
            "total": total,
            "opts": self.model._meta,
        }
        if report:
            context["reach_chart"] = mark_safe(_reach_chart(total=total, language=language))  # noqa: S308 - escaped by core.charts
            context["ebill_chart"] = mark_safe(_ebill_chart(report=report, language=language))  # noqa: S308
        return TemplateResponse(request, "notifications/reachability.html", context)


# Channels of the reachability report, in the order of its columns.
_REPORT_CHANNELS = ("push", "inbox", "email", "sms", "zalo", "unreachable")


def _percent(value: float, *, language: str) -> str:
    return f"{format_decimal(value, format='#,##0.#', locale=babel_locale(language))} %"


def _reachability_sum(report: list[dict]) -> dict:
    """The report's counts added over its units, with the shares of the sum."""
    total = {"total": sum(entry["total"] for entry in report)}
    for name in (*_REPORT_CHANNELS, "ebill"):
        total[name] = sum(entry[name] for entry in report)
        total[f"{name}_share"] = round(100.0 * total[name] / (total["total"] or 1), 1)
    return total


def _reachability_row(entry: dict, *, name: str, language: str) -> dict:
    return {
        "name": name,
        "total": entry["total"],
        "shares": [_percent(entry[f"{c}_share"], language=language) for c in _REPORT_CHANNELS],
        "share_values": [entry[f"{c}_share"] for c in _REPORT_CHANNELS],
        "ebill": entry["ebill"],
        "ebill_share": _percent(entry["ebill_share"], language=language),
        "paper": entry["total"] - entry["ebill"],
    }


def _reach_chart(*, total: dict, language: str) -> str:
    labels = [str(_("Ứng dụng")), str(_("Hộp thư")), "E-mail", "SMS", "Zalo", str(_("Không kênh nào"))]
    return bar_chart_svg(
        labels=labels,
        series=[Series(name=str(_("Tỷ lệ hợp đồng")), values=total["share_values"])],
        title=str(_("Tỷ lệ hợp đồng liên lạc được qua từng kênh")),
        description=str(_("Mỗi cột là phần trăm hợp đồng đang cấp điện mà kênh đó liên lạc được.")),
        y_axis_label="%",
        value_format=lambda v: _percent(v, language=language),
        tick_format=lambda v: format_decimal(v, format="#,##0.#", locale=babel_locale(language)),
        width=600,
        element_id="reachability-chart",
    )


def _ebill_chart(*, report: list[dict], language: str) -> str:
    codes = [entry["unit"].code for entry in report]
    # Units of one company share the code's prefix ("PCCANTHO-04"): the bars show what differs.
    prefix = os.path.commonprefix(codes) if len(codes) > 1 else ""
    prefix = prefix[: prefix.rfind("-") + 1] if "-" in prefix else ""
    return bar_chart_svg(
        labels=[code.removeprefix(prefix) or code for code in codes],
        series=[Series(name=str(_("Hoá đơn điện tử")), values=[entry["ebill_share"] for entry in report])],
        title=str(_("Tỷ lệ hợp đồng nhận hoá đơn điện tử theo đơn vị")),
        description=str(
            _("Mỗi cột là phần trăm hợp đồng của một đơn vị nhận hoá đơn qua ứng dụng, e-mail hoặc Zalo.")
        ),
        y_axis_label="%",
        value_format=lambda v: _percent(v, language=language),
        tick_format=lambda v: format_decimal(v, format="#,##0.#", locale=babel_locale(language)),
        bar_titles=[entry["unit"].name for entry in report],
        label_every=max(1, math.ceil(len(report) / 8)),
        width=720,
        height=260,
        element_id="ebill-chart",
    )


class NoticeAdmin(admin.ModelAdmin):
    list_display = ("key", "topic", "template_key", "urgency", "created_at", "recipients", "messages")
    list_filter = ("topic", "urgency")
    search_fields = ("key", "template_key")
    ordering = ("-created_at", "-id")
    readonly_fields = (
        "key",
        "topic",
        "template_key",
        "context",
        "urgency",
        "created_at",
        "recipients",
        "messages",
        "delivery",
    )

    @admin.display(description=_("kết quả gửi theo kênh"))
    def delivery(self, obj):
        summary = selectors.messages_for_notice(notice_id=obj.pk)
        text = "; ".join(
            f"{Channel(channel).label}: "
            + ", ".join(f"{OutboxStatus(s).label} {n}" for s, n in statuses.items())
            for channel, statuses in summary.items()
        )
        url = reverse("admin:notifications_outboxmessage_changelist") + f"?notice__id__exact={obj.pk}"
        return format_html('{} <a href="{}">{}</a>', text, url, _("Xem từng tin"))

    def has_add_permission(self, request):
        return False


class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("account", "topic", "channel", "enabled")
    list_filter = ("topic", "channel", "enabled")
    search_fields = ("account__code",)
    raw_id_fields = ("account",)
    ordering = ("account_id", "topic", "channel")


class PushSubscriptionAdmin(admin.ModelAdmin):
    """A browser's subscription, by its push service only: the endpoint and its keys let anyone push to the phone,
    so no staff page shows them (staff may switch a subscription off)."""

    list_display = ("account", "push_service", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("account__code",)
    fields = ("account", "push_service", "active", "created_at")
    readonly_fields = ("account", "push_service", "created_at")
    ordering = ("-created_at", "-id")

    @admin.display(description=_("dịch vụ push"))
    def push_service(self, obj):
        return urlsplit(obj.endpoint).hostname or ""

    def has_add_permission(self, request):
        return False


class ConsumptionAlertAdmin(admin.ModelAdmin):
    list_display = ("account", "kind", "threshold", "active", "last_alerted_on")
    list_filter = ("kind", "active")
    search_fields = ("account__code",)
    raw_id_fields = ("account",)
    ordering = ("account_id",)


class DeliveryReceiptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Receipts as the providers sent them (read-only); a waiting one names a message not marked sent yet."""

    list_display = (
        "channel",
        "provider_ref",
        "delivered",
        "occurred_at",
        "error",
        "received_at",
        "applied_at",
    )
    list_filter = ("channel", "delivered", ("applied_at", admin.EmptyFieldListFilter))
    search_fields = ("provider_ref",)
    ordering = ("-received_at", "-pk")
    readonly_fields = [f.name for f in DeliveryReceipt._meta.fields]


def register(site: admin.AdminSite) -> None:
    """Register the notifications pages on `site` (the back office's admin site)."""
    site.register(Template, TemplateAdmin)
    site.register(OutboxMessage, OutboxMessageAdmin)
    site.register(Notice, NoticeAdmin)
    site.register(Preference, PreferenceAdmin)
    site.register(PushSubscription, PushSubscriptionAdmin)
    site.register(ConsumptionAlert, ConsumptionAlertAdmin)
    site.register(DeliveryReceipt, DeliveryReceiptAdmin)
