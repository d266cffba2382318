"""Back-office pages of the notifications area: templates, the outbox, notices and the reachability report.

The classes are registered on the back-office site by `gridcare.backoffice.admin.notifications`
(a lower layer never imports the back office), through `register(site)` below.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcare.notifications import selectors, services
from gridcare.notifications.models import (
    ConsumptionAlert,
    Notice,
    OutboxMessage,
    Preference,
    PushSubscription,
    Template,
)
from gridcare.notifications.rendering import TemplateError, placeholders
from gridcare.org.selectors import visible_unit_ids


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = ("key", "topic", "channel", "language", "subject", "body", "parameters", "zns_template_id", "active")

    def clean(self):
        data = super().clean()
        try:
            names = placeholders(data.get("subject", "")) | placeholders(data.get("body", ""))
        except TemplateError as exc:
            raise forms.ValidationError(str(exc)) from exc
        limits = data.get("parameters") or {}
        if not isinstance(limits, dict) or not all(isinstance(v, int) and v > 0 for v in limits.values()):
            raise forms.ValidationError(_("Tham số phải là {\"tên\": độ dài tối đa} với độ dài là số dương."))
        if data.get("channel") == "zalo":
            unknown = sorted(names - set(limits))
            if unknown:
                raise forms.ValidationError(
                    _("Mẫu Zalo cần độ dài tối đa cho mọi tham số: %(names)s.") % {"names": ", ".join(unknown)}
                )
        return data


class TemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ("key", "topic", "channel", "language", "active", "updated_at")
    list_filter = ("topic", "channel", "language", "active")
    search_fields = ("key", "subject", "body")
    ordering = ("key", "channel", "language")


class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("notice", "account_code", "channel", "status", "attempts", "created_at", "sent_at", "delivered_at", "last_error")
    list_filter = ("channel", "status", "notice__topic", "urgent")
    search_fields = ("account__code", "account__phone", "notice__key")
    list_select_related = ("notice", "account")
    ordering = ("-created_at", "-id")
    show_full_result_count = False  # the outbox holds millions of rows
    readonly_fields = ["message_text", *(f.name for f in OutboxMessage._meta.fields)]
    actions = ["retry_failed"]

    @admin.display(description=_("nội dung gửi"))
    def message_text(self, obj):
        return selectors.outbox_message_text(message=obj)

    @admin.display(description=_("mã khách hàng"), ordering="account__code")
    def account_code(self, obj):
        return obj.account.code

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        units = visible_unit_ids(user=request.user)
        return queryset if units is None else queryset.filter(account__unit_id__in=units)

    @admin.action(description=_("Gửi lại các tin thất bại đã chọn"), permissions=["change"])
    def retry_failed(self, request, queryset: QuerySet):
        count = services.outbox_requeue(ids=list(queryset.values_list("pk", flat=True)), now=timezone.now())
        self.message_user(request, _("Đã xếp lại %(n)d tin để gửi.") % {"n": count}, messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view(self.reachability_view)
        return [path("reachability/", view, name="notifications_reachability"), *super().get_urls()]

    def reachability_view(self, request):
        """Per unit: the share of accounts each channel reaches, and e-bill adoption."""
        rows = selectors.reachability_by_unit(unit_ids=visible_unit_ids(user=request.user))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Khả năng liên lạc với khách hàng theo đơn vị"),
            "rows": rows,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "notifications/reachability.html", context)


class NoticeAdmin(admin.ModelAdmin):
    list_display = ("key", "topic", "template_key", "urgency", "created_at", "recipients", "messages")
    list_filter = ("topic", "urgency")
    search_fields = ("key", "template_key")
    ordering = ("-created_at", "-id")
    readonly_fields = ("key", "topic", "template_key", "context", "urgency", "created_at", "recipients", "messages", "delivery")

    @admin.display(description=_("kết quả gửi theo kênh"))
    def delivery(self, obj):
        summary = selectors.messages_for_notice(notice_id=obj.pk)
        return "; ".join(f"{channel}: " + ", ".join(f"{s} {n}" for s, n in statuses.items()) for channel, statuses in summary.items())

    def has_add_permission(self, request):
        return False


class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("account", "topic", "channel", "enabled")
    list_filter = ("topic", "channel", "enabled")
    search_fields = ("account__code",)
    raw_id_fields = ("account",)
    ordering = ("account_id", "topic", "channel")


class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("account", "endpoint", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("account__code",)
    raw_id_fields = ("account",)
    ordering = ("-created_at", "-id")


class ConsumptionAlertAdmin(admin.ModelAdmin):
    list_display = ("account", "kind", "threshold", "active", "last_alerted_on")
    list_filter = ("kind", "active")
    search_fields = ("account__code",)
    raw_id_fields = ("account",)
    ordering = ("account_id",)


def register(site: admin.AdminSite) -> None:
    """Register the notifications pages on `site` (the back office's admin site)."""
    site.register(Template, TemplateAdmin)
    site.register(OutboxMessage, OutboxMessageAdmin)
    site.register(Notice, NoticeAdmin)
    site.register(Preference, PreferenceAdmin)
    site.register(PushSubscription, PushSubscriptionAdmin)
    site.register(ConsumptionAlert, ConsumptionAlertAdmin)

