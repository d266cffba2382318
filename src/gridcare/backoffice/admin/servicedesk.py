"""Back office of the service desk: the team's queue with its clocks, assigning, request types, days off,
and the satisfaction and timeliness report (charts)."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.hotline import hotline_view
from gridcare.backoffice.scoping import PolicyAdmin, UnitScopedAdmin
from gridcare.backoffice.site import admin_site
from gridcare.core.charts import Series, bar_chart_svg
from gridcare.core.formatting import BUSINESS_TZ, format_number
from gridcare.org import policy
from gridcare.servicedesk import selectors, services
from gridcare.servicedesk.models import (
    FIELD_CHOICES,
    OPEN_STATES,
    Assignment,
    Attachment,
    DayOff,
    RequestType,
    ServiceRequest,
    StatusChange,
    Survey,
    WorkOrder,
)

CLOCK_LABELS = {
    selectors.CLOCK_ON_TIME: _("trong hạn"),
    selectors.CLOCK_WARNING: _("sắp quá hạn"),
    selectors.CLOCK_BREACHED: _("quá hạn"),
    selectors.CLOCK_OUTAGE: _("theo sự cố mất điện"),
}


def _local(moment) -> str:
    return f"{moment.astimezone(BUSINESS_TZ):%H:%M %d/%m/%Y}" if moment else "—"


class RequestTypeForm(forms.ModelForm):
    required_fields = forms.MultipleChoiceField(
        label=_("thông tin bắt buộc"),
        choices=FIELD_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = RequestType
        fields = ["code", "name_vi", "name_en", "name_fr", "promise_amount", "promise_unit", "extended_promise_amount",
                  "required_fields", "campaign", "no_power", "active", "position"]  # fmt: skip


@admin.register(RequestType, site=admin_site)
class RequestTypeAdmin(PolicyAdmin):
    form = RequestTypeForm
    list_display = ["name_vi", "code", "promise", "campaign", "no_power", "active", "position"]
    list_filter = ["campaign", "active"]
    ordering = ["position", "pk"]

    @admin.display(description=_("thời hạn cam kết"))
    def promise(self, obj):
        unit = obj.get_promise_unit_display()
        extra = f" ({obj.extended_promise_amount})" if obj.extended_promise_amount else ""
        return f"{obj.promise_amount}{extra} {unit}"


@admin.register(DayOff, site=admin_site)
class DayOffAdmin(PolicyAdmin):
    """The utility's own days off; adding or removing one moves the deadlines of open requests."""

    list_display = ["day", "name"]
    ordering = ["-day", "pk"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.clocks_recompute(now=timezone.now())

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.clocks_recompute(now=timezone.now())


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = ["at", "by", "from_state", "to_state", "note"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


class AssignmentInline(admin.TabularInline):
    model = Assignment
    fields = ["at", "assignee", "assigned_by"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    fields = ["original_name", "content_type", "size", "uploaded_at", "file"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


class ClockFilter(admin.SimpleListFilter):
    title = _("thời hạn")
    parameter_name = "clock"

    def lookups(self, request, model_admin):
        return list(CLOCK_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(clock=self.value()) if self.value() in CLOCK_LABELS else queryset


class OpenFilter(admin.SimpleListFilter):
    title = _("đang mở")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("1", _("đang mở")), ("0", _("đã kết thúc"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(state__in=OPEN_STATES)
        if self.value() == "0":
            return queryset.exclude(state__in=OPEN_STATES)
        return queryset


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Giao cho"), queryset=None)
    day = forms.DateField(
        label=_("Ngày làm"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )


@admin.register(ServiceRequest, site=admin_site)
class ServiceRequestAdmin(UnitScopedAdmin):
    """The team's queue: open requests, the nearest deadline first, with their clock."""

    list_display = [
        "number",
        "type_name",
        "customer",
        "commune",
        "state",
        "clock_badge",
        "due",
        "assignee",
        "team",
    ]
    list_filter = [OpenFilter, ClockFilter, "state", "request_type", "channel"]
    list_select_related = ["request_type", "customer", "premise__commune", "assignee", "team"]
    search_fields = ["number", "=account__code"]
    raw_id_fields = ["customer", "account", "premise", "assignee"]
    inlines = [StatusChangeInline, AssignmentInline, AttachmentInline]
    readonly_fields = [f.name for f in ServiceRequest._meta.fields if f.name != "id"] + ["actions_links"]
    fields = readonly_fields
    ordering = ["due_at", "pk"]
    change_list_template = "admin/servicedesk/change_list.html"

    def changelist_view(self, request, extra_context=None):
        may_hotline = policy.may(user=request.user, action="servicedesk.open_for_customer")
        return super().changelist_view(request, {"may_hotline": may_hotline, **(extra_context or {})})

    def get_queryset(self, request):
        return selectors.with_clock(super().get_queryset(request), now=timezone.now())

    @admin.display(description=_("loại yêu cầu"), ordering="request_type__position")
    def type_name(self, obj):
        return obj.request_type.name(translation.get_language())

    @admin.display(description=_("phường/xã"))
    def commune(self, obj):
        return obj.premise.commune.name

    @admin.display(description=_("thời hạn"), ordering="due_at")
    def clock_badge(self, obj):
        if obj.state not in OPEN_STATES:
            return "—"
        return format_html('<span class="clock clock-{}">{}</span>', obj.clock, CLOCK_LABELS[obj.clock])

    @admin.display(description=_("hạn hoàn thành"), ordering="due_at")
    def due(self, obj):
        return _local(obj.due_at)

    @admin.display(description=_("xử lý"))
    def actions_links(self, obj):
        if not obj.pk or obj.state not in OPEN_STATES:
            return "—"
        return format_html('<a class="button" href="{}">{}</a>', reverse("admin:servicedesk_servicerequest_assign", args=[obj.pk]),
                           _("Phân công / hoàn thành"))  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Moves go through the assign/close page (services), never through the raw form.
        return obj is None and super().has_change_permission(request, obj)

    def get_urls(self):
        return [
            path(
                "<int:pk>/assign/",
                self.admin_site.admin_view(self.assign_view),
                name="servicedesk_servicerequest_assign",
            ),
            path(
                "report/",
                self.admin_site.admin_view(self.report_view),
                name="servicedesk_servicerequest_report",
            ),
            path(
                "hotline/",
                self.admin_site.admin_view(lambda request: hotline_view(request, self.admin_site)),
                name="servicedesk_servicerequest_hotline",
            ),
            *super().get_urls(),
        ]

    def assign_view(self, request, pk):
        item = get_object_or_404(self.get_queryset(request), pk=pk)
        members = selectors.team_members(request=item)
        form = AssignForm(request.POST or None, initial={"day": timezone.localdate()})
        form.fields["assignee"].queryset = members
        may_assign = policy.may(user=request.user, action="servicedesk.assign", unit_id=item.team_id)
        may_work = policy.may(user=request.user, action="servicedesk.work", unit_id=item.team_id)
        if request.method == "POST":
            try:
                if "close" in request.POST and may_work:
                    services.request_close(
                        request=item,
                        by=request.user,
                        now=timezone.now(),
                        resolution=request.POST.get("resolution", ""),
                    )
                    messages.success(
                        request,
                        _("Đã hoàn thành yêu cầu %(n)s; khách hàng nhận phiếu khảo sát.")
                        % {"n": item.number},
                    )
                    return redirect(reverse("admin:servicedesk_servicerequest_changelist"))
                if "assign" in request.POST and may_assign and form.is_valid():
                    services.request_assign(request=item, assignee=form.cleaned_data["assignee"], by=request.user,
                                            now=timezone.now(), day=form.cleaned_data["day"])  # fmt: skip
                    messages.success(request, _("Đã phân công yêu cầu %(n)s.") % {"n": item.number})
                    return redirect(reverse("admin:servicedesk_servicerequest_changelist"))
                if not (may_assign or may_work):
                    return TemplateResponse(
                        request,
                        "admin/servicedesk/denied.html",
                        self.admin_site.each_context(request),
                        status=403,
                    )
            except services.ServiceDeskError as refused:
                messages.error(request, refused.message)
            except policy.AccessDenied as denied:
                messages.error(request, str(denied.message))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "item": item, "form": form,
            "may_assign": may_assign, "may_work": may_work, "due": _local(item.due_at),
            "type_name": item.request_type.name(translation.get_language()),
            "title": _("Yêu cầu %(n)s") % {"n": item.number},
        }  # fmt: skip
        return TemplateResponse(request, "admin/servicedesk/assign.html", context)

    def report_view(self, request):
        if not policy.may(user=request.user, action="servicedesk.report"):
            return TemplateResponse(
                request, "admin/servicedesk/denied.html", self.admin_site.each_context(request), status=403
            )
        language = translation.get_language()
        today = timezone.localdate()
        since_day = (today.replace(day=1) - dt.timedelta(days=150)).replace(day=1)
        since = dt.datetime.combine(since_day, dt.time(), tzinfo=BUSINESS_TZ)
        rows = selectors.satisfaction_and_timeliness(user=request.user, since=since)
        months = sorted({row["month"].astimezone(BUSINESS_TZ).strftime("%m/%Y") if hasattr(row["month"], "astimezone") else row["month"].strftime("%m/%Y") for row in rows},
                        key=lambda text: (text[3:], text[:2]))  # fmt: skip
        table = []
        by_month = {m: {"closed": 0, "on_time": 0, "answered": 0, "score_sum": 0.0} for m in months}
        for row in rows:
            month = (
                row["month"].astimezone(BUSINESS_TZ).strftime("%m/%Y")
                if hasattr(row["month"], "astimezone")
                else row["month"].strftime("%m/%Y")
            )
            name = {"en": row["request_type__name_en"], "fr": row["request_type__name_fr"]}.get(
                language[:2], row["request_type__name_vi"]
            )
            score = row["score"]
            table.append({"month": month, "team": row["team__name"], "type": name, "closed": row["closed"], "on_time": row["on_time"],
                          "on_time_pct": round(100 * row["on_time"] / row["closed"]) if row["closed"] else 0,
                          "answered": row["answered"], "score": format_number(round(score, 1), language=language) if score else "—"})  # fmt: skip
            total = by_month[month]
            total["closed"] += row["closed"]
            total["on_time"] += row["on_time"]
            total["answered"] += row["answered"]
            total["score_sum"] += (score or 0) * row["answered"]
        charts = []
        if months:
            on_time = [
                round(100 * by_month[m]["on_time"] / by_month[m]["closed"]) if by_month[m]["closed"] else None
                for m in months
            ]
            score = [
                round(by_month[m]["score_sum"] / by_month[m]["answered"], 1)
                if by_month[m]["answered"]
                else None
                for m in months
            ]
            charts.append(mark_safe(bar_chart_svg(  # noqa: S308 - core.charts escapes every text
                labels=months, series=[Series(name=str(_("Hoàn thành đúng hạn (%)")), values=on_time)],
                title=str(_("Tỉ lệ hoàn thành đúng hạn theo tháng")), x_axis_label=str(_("Tháng")), y_axis_label="%",
                value_format=lambda v: f"{v:.0f} %", element_id="chart-on-time",
            )))  # fmt: skip
            charts.append(mark_safe(bar_chart_svg(  # noqa: S308
                labels=months, series=[Series(name=str(_("Điểm hài lòng trung bình (1–5)")), values=score, colour="#2e7d32")],
                title=str(_("Mức hài lòng trung bình theo tháng")), x_axis_label=str(_("Tháng")), y_axis_label=str(_("điểm")),
                value_format=lambda v: format_number(v, language=language), element_id="chart-satisfaction",
            )))  # fmt: skip
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "rows": table, "charts": charts,
                   "title": _("Mức hài lòng và thời hạn xử lý")}  # fmt: skip
        return TemplateResponse(request, "admin/servicedesk/report.html", context)


@admin.register(WorkOrder, site=admin_site)
class WorkOrderAdmin(UnitScopedAdmin):
    list_display = [
        "request",
        "scheduled_for",
        "sequence",
        "assignee",
        "state",
        "started_at",
        "finished_at",
        "customer_confirmed",
    ]
    list_filter = ["state", "scheduled_for"]
    list_select_related = ["request", "assignee"]
    readonly_fields = [f.name for f in WorkOrder._meta.fields if f.name not in ("id", "client_key")]
    fields = readonly_fields
    ordering = ["-scheduled_for", "sequence", "pk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Survey, site=admin_site)
class SurveyAdmin(UnitScopedAdmin):
    list_display = ["request", "score", "comment", "sent_at", "answered_at"]
    list_filter = ["score"]
    list_select_related = ["request"]
    readonly_fields = ["request", "score", "comment", "sent_at", "answered_at"]
    fields = readonly_fields
    ordering = ["-sent_at", "pk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
