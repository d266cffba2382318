"""Back office of outages: plan, publish, change, cancel, start and close outages; incidents; grouped customer reports.

Every write goes through `gridcare.outages.services` (which asks the access policy: `outages.publish`…); the
pages only show what `org.policy` lets the staff member see. Before publishing, the confirmation page shows how
many customers are affected and the sensitive accounts among them.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.scoping import UnitScopedAdmin
from gridcare.backoffice.site import admin_site
from gridcare.core.admin_mixins import ReadOnlyAdminMixin
from gridcare.customers.models import SensitiveKind
from gridcare.network.selectors import feeders_among
from gridcare.org import policy
from gridcare.outages import selectors, services
from gridcare.outages.models import (
    ANNOUNCED_STATUSES,
    FINAL_STATUSES,
    Outage,
    OutageEvent,
    OutageKind,
    OutageReport,
    OutageStatus,
    RestorationRequest,
)

_ELEMENTS = ["substations", "feeders", "transformer_stations", "communes"]
_TEXT = ["place", "reason", "crew"]


class OutageForm(forms.ModelForm):
    class Meta:
        model = Outage
        fields = ["kind", "unit", *_TEXT, "emergency", "emergency_reason", "scheduled_start", "scheduled_end",
                  "started_at", *_ELEMENTS]  # fmt: skip
        help_texts = {
            "scheduled_end": _("Với sự cố: giờ dự kiến có điện lại (để trống nếu chưa biết)."),
            "started_at": _("Với sự cố: giờ mất điện. Lịch có kế hoạch: để trống."),
        }

    def clean(self):
        data = super().clean()
        kind = data.get("kind") or (self.instance.kind if self.instance.pk else None)
        present = [name for name in _ELEMENTS if name in self.fields]
        if present and not any(data.get(name) for name in present):
            raise forms.ValidationError(_("Hãy chọn thiết bị lưới điện hoặc phường/xã bị ngừng cấp điện."))
        planned_window = kind == OutageKind.PLANNED and "scheduled_start" in self.fields
        if planned_window and (not data.get("scheduled_start") or not data.get("scheduled_end")):
            raise forms.ValidationError(_("Cần giờ bắt đầu và giờ dự kiến có điện lại."))
        if kind == OutageKind.INCIDENT and not self.instance.pk and not data.get("started_at"):
            self.add_error("started_at", _("Cần giờ mất điện của sự cố."))
        if data.get("emergency") and not (data.get("emergency_reason") or "").strip():
            self.add_error("emergency_reason", _("Ngừng cấp điện khẩn cấp cần ghi rõ lý do khẩn cấp."))
        start, end = data.get("scheduled_start") or data.get("started_at"), data.get("scheduled_end")
        if start and end and end <= start:
            self.add_error("scheduled_end", _("Giờ dự kiến có điện lại phải sau giờ bắt đầu."))
        return data

    def validate_constraints(self, exclude=None):
        """The checks above say the same in plain words."""


class OverdueFilter(admin.SimpleListFilter):
    """Outages still in progress after their expected restoration (the workday page's queue)."""

    title = _("quá giờ dự kiến có điện lại")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("1", _("quá giờ, chưa đóng"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(pk__in=selectors.overdue_outages(now=timezone.now()).values("pk"))
        return queryset


class OutageEventInline(admin.TabularInline):
    model = OutageEvent
    fields = ["at", "action", "status", "by", "customers", "changes"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["at", "pk"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Outage, site=admin_site)
class OutageAdmin(UnitScopedAdmin):
    form = OutageForm
    list_display = [
        "pk",
        "kind",
        "status",
        "place",
        "begins",
        "expected_end",
        "emergency",
        "customers_at_publish",
        "unit",
    ]
    list_filter = ["kind", "status", "emergency", OverdueFilter]
    list_select_related = ["unit"]
    search_fields = ["place", "reason", "crew"]
    autocomplete_fields = _ELEMENTS
    inlines = [OutageEventInline]
    ordering = ["-created_at", "-pk"]
    change_list_template = "backoffice/outages/change_list.html"
    change_form_template = "backoffice/outages/change_form.html"

    @admin.display(description=_("Bắt đầu"))
    def begins(self, obj):
        moment = obj.started_at if obj.kind == OutageKind.INCIDENT else obj.scheduled_start
        return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y") if moment else "—"

    @admin.display(description=_("Dự kiến có điện lại"))
    def expected_end(self, obj):
        return timezone.localtime(obj.scheduled_end).strftime("%H:%M %d/%m/%Y") if obj.scheduled_end else "—"

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(OutageForm.Meta.fields)
        fields = ["kind", "status", "unit", *_TEXT, "emergency", "emergency_reason", "scheduled_start", "scheduled_end",
                  "started_at", "restored_at", *_ELEMENTS, "customers_at_publish", "customers_at_close", "published_at",
                  "created_at", "created_by"]  # fmt: skip
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fixed = ["kind", "status", "unit", "started_at", "restored_at", "customers_at_publish", "customers_at_close",
                 "published_at", "created_at", "created_by"]  # fmt: skip
        if obj.status in FINAL_STATUSES or (
            obj.kind == OutageKind.PLANNED and obj.status == OutageStatus.IN_PROGRESS
        ):
            return self.get_fields(request, obj)
        if obj.kind == OutageKind.INCIDENT:
            return [*fixed, "scheduled_start", "emergency", "emergency_reason"]
        return fixed

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["fields"] = list(OutageForm.Meta.fields)
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class SavedThroughServices(form_class):
            """Validated, then saved by the services: a refusal becomes the form's error, so the page is shown
            again with what the user typed (nothing is lost) instead of a redirect."""

            def _post_clean(self):
                super()._post_clean()
                if request.method == "POST" and not self._errors:
                    model_admin._save_through_services(request, self, change=obj is not None)

        return form_class if request.method != "POST" else SavedThroughServices

    # Fields a refusal of the services is about (shown next to the field; other refusals on top of the form).
    _ERROR_FIELDS = {
        "notice_too_short": "scheduled_start", "start_in_past": "scheduled_start", "window_invalid": "scheduled_end",
        "window_missing": "scheduled_start", "emergency_reason_missing": "emergency_reason",
    }  # fmt: skip

    def _save_through_services(self, request, form, *, change: bool) -> None:
        """Save through the services (they notify customers when the outage is announced); a refusal is a form error."""
        data = form.cleaned_data
        now = timezone.now()
        elements = {name: list(data[name]) for name in _ELEMENTS if name in data}
        try:
            if not change and data["kind"] == OutageKind.INCIDENT:
                saved = services.incident_record(
                    unit=data["unit"], place=data["place"], reason=data["reason"], crew=data.get("crew", ""),
                    started_at=data["started_at"], estimated_restoration=data.get("scheduled_end"), by=request.user,
                    now=now, **elements,
                )  # fmt: skip
                note = _("Đã ghi nhận sự cố và báo cho %(n)s khách hàng.") % {"n": saved.customers_at_publish}
            elif not change:
                saved = services.outage_plan(
                    unit=data["unit"], place=data["place"], reason=data["reason"], crew=data.get("crew", ""),
                    emergency=data.get("emergency", False), emergency_reason=data.get("emergency_reason", ""),
                    scheduled_start=data["scheduled_start"], scheduled_end=data["scheduled_end"], by=request.user,
                    now=now, **elements,
                )  # fmt: skip
                note = _("Đã lưu bản nháp: khách hàng chưa được báo cho đến khi thông báo.")
            else:
                current = selectors.outage_by_pk(pk=form.instance.pk)
                fields = {name: data[name] for name in form.changed_data if name in data}
                if current.kind == OutageKind.INCIDENT:
                    saved = services.incident_update(outage=current, by=request.user, now=now, **fields)
                else:
                    saved = services.outage_change(outage=current, by=request.user, now=now, **fields)
                note = (
                    _("Khách hàng đã được báo về thay đổi.")
                    if saved.status in ANNOUNCED_STATUSES and fields
                    else ""
                )
        except services.OutageError as exc:
            field = self._ERROR_FIELDS.get(exc.code)
            form.add_error(field if field in form.fields else None, exc.message)
            return
        except policy.AccessDenied as exc:
            form.add_error(None, exc.message)
            return
        form._saved_outage = saved
        if note:
            messages.info(request, note)

    def save_model(self, request, obj, form, change):
        """The services saved it while the form was validated (`_save_through_services`)."""
        saved = form._saved_outage
        obj.pk = saved.pk
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})

    def save_related(self, request, form, formsets, change):
        """The services set the grid elements and areas; the history is written by them, never by the form."""

    def construct_change_message(self, request, form, formsets, add=False):
        return super().construct_change_message(request, form, [], add)

    def get_inlines(self, request, obj=None):
        return self.inlines if obj is not None else []

    def response_add(self, request, obj, post_url_continue=None):
        return redirect(reverse("admin:outages_outage_change", args=[obj.pk]))

    def changelist_view(self, request, extra_context=None):
        reports = selectors.outage_reports_visible(user=request.user)
        suggestions = selectors.suggested_incidents(reports=reports, now=timezone.now())
        extra = {"suggestion_count": len(suggestions)}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = {}
        if obj is not None:
            extra["outage_actions"] = self._actions_for(request, obj)
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _actions_for(self, request, obj) -> list[tuple[str, str]]:
        steps = []
        may = lambda action: policy.may(user=request.user, action=action, unit_id=obj.unit_id)  # noqa: E731
        if obj.status == OutageStatus.DRAFT and may("outages.publish"):
            steps.append(("publish", _("Xem khách hàng bị ảnh hưởng và thông báo")))
        if (
            obj.kind == OutageKind.PLANNED
            and obj.status in (OutageStatus.PUBLISHED, OutageStatus.CHANGED)
            and may("outages.change")
        ):
            steps.append(("start", _("Bắt đầu cắt điện")))
        if obj.status in (OutageStatus.DRAFT, OutageStatus.PUBLISHED, OutageStatus.CHANGED) and may(
            "outages.cancel"
        ):
            steps.append(("cancel", _("Huỷ lịch")))
        if obj.status in ANNOUNCED_STATUSES and may("outages.close"):
            steps.append(("close", _("Đã có điện lại: đóng và báo khách hàng")))
        return [(reverse(f"admin:outages_outage_{step}", args=[obj.pk]), label) for step, label in steps]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("suggestions/", view(self.suggestions_view), name="outages_outage_suggestions"),
            path(
                "suggestions/<int:feeder_id>/open/",
                view(self.open_incident_view),
                name="outages_outage_open_incident",
            ),
            path(
                "<int:pk>/publish/", view(self.step_view), {"step": "publish"}, name="outages_outage_publish"
            ),
            path("<int:pk>/start/", view(self.step_view), {"step": "start"}, name="outages_outage_start"),
            path("<int:pk>/cancel/", view(self.step_view), {"step": "cancel"}, name="outages_outage_cancel"),
            path("<int:pk>/close/", view(self.step_view), {"step": "close"}, name="outages_outage_close"),
            *super().get_urls(),
        ]

    _STEPS = {
        "publish": ("outages.publish", _("Thông báo ngừng cấp điện"), _("Thông báo cho khách hàng")),
        "start": ("outages.change", _("Bắt đầu cắt điện"), _("Ghi nhận đã cắt điện")),
        "cancel": ("outages.cancel", _("Huỷ lịch ngừng cấp điện"), _("Huỷ lịch và báo khách hàng")),
        "close": ("outages.close", _("Đóng: đã có điện lại"), _("Đóng và báo có điện lại")),
    }

    def step_view(self, request, pk, step):
        """Confirm, then publish / start / cancel / close one outage (the summary is shown before publishing)."""
        outage = get_object_or_404(self.get_queryset(request), pk=pk)
        action, title, button = self._STEPS[step]
        if not policy.may(user=request.user, action=action, unit_id=outage.unit_id):
            self._forbidden(request)
        if request.method == "POST":
            now = timezone.now()
            try:
                if step == "publish":
                    done = services.outage_publish(outage=outage, by=request.user, now=now)
                    messages.success(
                        request,
                        _("Đã thông báo cho %(n)s khách hàng.") % {"n": done.customers_at_publish or 0},
                    )
                elif step == "start":
                    services.outage_start(outage=outage, by=request.user, now=now)
                    messages.success(request, _("Đã ghi nhận bắt đầu cắt điện."))
                elif step == "cancel":
                    services.outage_cancel(
                        outage=outage, by=request.user, now=now, note=request.POST.get("note", "")[:200]
                    )
                    messages.success(request, _("Đã huỷ lịch."))
                else:
                    done = services.outage_close(outage=outage, by=request.user, now=now)
                    messages.success(request, _("Đã đóng và báo có điện lại cho khách hàng (%(n)s khách hàng bị ảnh hưởng).")
                                     % {"n": done.customers_at_close or 0})  # fmt: skip
            except services.OutageError as exc:
                messages.error(request, exc.message)
            except policy.AccessDenied:
                self._forbidden(request)
            return redirect(reverse("admin:outages_outage_change", args=[outage.pk]))
        summary = selectors.affected_summary(outage=outage) if step in ("publish", "close") else None
        sensitive = [
            {**row, "kind": SensitiveKind(row["sensitive"]).label}
            for row in (summary.sensitive if summary else [])
        ]
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "outage": outage, "title": title,
            "button": button, "summary": summary, "sensitive": sensitive, "step": step,
            "short_notice": step == "publish" and outage.kind == OutageKind.PLANNED and outage.scheduled_start
            and outage.scheduled_start - timezone.now() < services.MIN_NOTICE,
        }  # fmt: skip
        return TemplateResponse(request, "backoffice/outages/confirm.html", context)

    def _forbidden(self, request):
        raise PermissionDenied

    def suggestions_view(self, request):
        """Ungrouped customer reports by feeder, with a one-click "open incident"."""
        if not self.has_view_permission(request):
            self._forbidden(request)
        reports = selectors.outage_reports_visible(user=request.user)
        rows = []
        for suggestion in selectors.suggested_incidents(reports=reports, now=timezone.now()):
            rows.append({
                "s": suggestion,
                "may_open": policy.may(user=request.user, action="outages.record_incident", unit_id=suggestion.unit_id),
                "url": reverse("admin:outages_outage_open_incident", args=[suggestion.feeder_id]),
            })  # fmt: skip
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "rows": rows,
                   "title": _("Báo mất điện của khách hàng: gợi ý sự cố"),
                   "window": int(selectors.report_window().total_seconds() // 60)}  # fmt: skip
        return TemplateResponse(request, "backoffice/outages/suggestions.html", context)

    def open_incident_view(self, request, feeder_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        reports = selectors.outage_reports_visible(user=request.user)
        feeder = get_object_or_404(feeders_among(ids=reports.values("feeder_id")), pk=feeder_id)
        try:
            incident = services.incident_from_reports(
                feeder=feeder, by=request.user, now=timezone.now(), reports=reports
            )
        except services.OutageError as exc:
            messages.error(request, exc.message)
            return redirect(reverse("admin:outages_outage_suggestions"))
        except policy.AccessDenied:
            self._forbidden(request)
        messages.success(
            request, _("Đã mở sự cố và báo cho %(n)s khách hàng.") % {"n": incident.customers_at_publish or 0}
        )
        return redirect(reverse("admin:outages_outage_change", args=[incident.pk]))


@admin.register(OutageReport, site=admin_site)
class OutageReportAdmin(ReadOnlyAdminMixin, UnitScopedAdmin):
    list_display = ["reported_at", "account", "transformer_station", "feeder", "channel", "incident_link"]
    list_filter = ["channel"]
    list_select_related = ["account", "transformer_station", "feeder", "outage"]
    search_fields = ["=account__code"]
    readonly_fields = [
        "account",
        "service_point",
        "transformer_station",
        "feeder",
        "reported_at",
        "channel",
        "note",
        "outage",
    ]
    fields = readonly_fields
    ordering = ["-reported_at", "-pk"]

    @admin.display(description=_("Sự cố"))
    def incident_link(self, obj):
        if obj.outage_id is None:
            return _("chưa gom vào sự cố")
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:outages_outage_change", args=[obj.outage_id]),
            obj.outage.place,
        )


@admin.register(RestorationRequest, site=admin_site)
class RestorationRequestAdmin(ReadOnlyAdminMixin, UnitScopedAdmin):
    list_display = ["created_at", "account", "outage", "notified_at"]
    list_select_related = ["account", "outage"]
    search_fields = ["=account__code"]
    readonly_fields = ["account", "outage", "created_at", "notified_at"]
    fields = readonly_fields
    ordering = ["-created_at", "-pk"]
