"""Back office of the Customer Appreciation Month: the year's campaign and units' periods, planning activities,
recording what was done (photos, beneficiaries, free services as service requests), blood drives, lighting projects,
recognition lists and their letters, and the roll-up report up the unit tree (page, XLSX, PDF). This module holds
the forms' base and the campaign, its catalogue, the units' periods, partners, activities and the report; records,
photos and beneficiaries are in `campaigns_records`, blood drives, lighting projects and recognition lists in
`campaigns_events`, the workday page's queues in `campaigns_workday`.

Every form runs its service in `clean()`, so a refusal is shown on the form with the input kept, and the service
asks the access policy itself.
"""

import datetime as dt

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.admin.campaigns_workday import (
    ActivityQueueFilter,
)
from gridcare.backoffice.scoping import PolicyAdmin, UnitScopedAdmin
from gridcare.backoffice.site import admin_site
from gridcare.campaigns import documents, selectors, services
from gridcare.campaigns.models import (
    MEASURES,
    Activity,
    ActivityKind,
    ActivityRecord,
    ActivityState,
    Campaign,
    Measure,
    Partner,
    UnitPeriod,
)
from gridcare.core.formatting import format_vnd, local_date
from gridcare.org import policy

DAY_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def _day_field(label, required=True, **kwargs):
    return forms.DateField(label=label, input_formats=DAY_FORMATS, required=required,
                           help_text=kwargs.pop("help_text", _("Ví dụ 15/11/2025.")), **kwargs)  # fmt: skip


class ServiceForm(forms.ModelForm):
    """A form whose `clean()` calls the service (`run`); its refusals become form errors, the input stays."""

    user = None
    request = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.instance = self.run(data, now=timezone.now())
        except services.CampaignError as error:
            field = error.details.get("field")
            if field in self.fields:
                self.add_error(field, error.message)
            else:
                raise ValidationError(error.message) from error
        except policy.AccessDenied as error:
            raise ValidationError(error.message) from error
        return data

    def run(self, data, *, now):  # pragma: no cover - every form defines it
        raise NotImplementedError


class ServiceFormAdmin(PolicyAdmin):
    """The object is saved by its form's service; the admin only shows it."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user, "request": request})

    def save_model(self, request, obj, form, change):
        return None

    def save_related(self, request, form, formsets, change):
        for (
            formset
        ) in formsets:  # the inlines are read-only lists: nothing to save, nothing for the change message
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class ScopedServiceFormAdmin(UnitScopedAdmin, ServiceFormAdmin):
    pass


# --- the campaign, its catalogue, the units' periods ----------------------------------------------------------------


class CampaignForm(ServiceForm):
    active_from = _day_field(_("Từ ngày"))
    last_day = _day_field(_("Đến hết ngày"), help_text=_("Ví dụ 31/12/2025."))
    latest_last_day = _day_field(_("Đơn vị được kéo dài đến hết ngày"), help_text=_("Ví dụ 31/01/2026."))
    anniversary_on = _day_field(_("Ngày truyền thống ngành Điện"), help_text=_("21/12."))

    class Meta:
        model = Campaign
        fields = ["year", "name", "theme"]

    def run(self, data, *, now):
        return services.campaign_open(
            user=self.user, year=data["year"], name=data["name"], theme=data.get("theme", ""), active_from=data["active_from"],
            active_to=data["last_day"] + dt.timedelta(days=1), latest_end=data["latest_last_day"] + dt.timedelta(days=1),
            anniversary_on=data["anniversary_on"], now=now,
        )  # fmt: skip


@admin.register(Campaign, site=admin_site)
class CampaignAdmin(ServiceFormAdmin):
    form = CampaignForm
    list_display = ["year", "name", "period", "anniversary_on", "report_link"]
    ordering = ["-year", "pk"]
    readonly = [
        "year",
        "name",
        "theme",
        "unit",
        "period",
        "latest",
        "anniversary_on",
        "opened_by",
        "opened_at",
        "report_link",
    ]

    @admin.display(description=_("Thời gian"))
    def period(self, obj):
        return f"{obj.active_from:%d/%m/%Y} – {obj.active_to - dt.timedelta(days=1):%d/%m/%Y}"

    @admin.display(description=_("Đơn vị được kéo dài đến hết ngày"))
    def latest(self, obj):
        return f"{obj.latest_end - dt.timedelta(days=1):%d/%m/%Y}"

    @admin.display(description=_("Báo cáo"))
    def report_link(self, obj):
        return format_html(
            '<a href="{}?year={}">{}</a>', reverse("admin:campaigns_report"), obj.year, _("Xem kết quả")
        )

    def get_fields(self, request, obj=None):
        return (
            ["year", "name", "theme", "active_from", "last_day", "latest_last_day", "anniversary_on"]
            if obj is None
            else self.readonly
        )

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)


@admin.register(ActivityKind, site=admin_site)
class ActivityKindAdmin(PolicyAdmin):
    list_display = ["name_vi", "group", "measure_names", "request_type_code", "beneficiaries", "position"]
    list_filter = ["group"]
    ordering = ["position", "code", "pk"]
    fields = [
        "code",
        "group",
        "name_vi",
        "name_en",
        "name_fr",
        "measures",
        "request_type_code",
        "beneficiaries",
        "special",
        "position",
    ]

    @admin.display(description=_("Chỉ tiêu áp dụng"))
    def measure_names(self, obj):
        return ", ".join(str(Measure(m).label) for m in obj.measures if m in MEASURES)


class UnitPeriodForm(ServiceForm):
    last_day = _day_field(
        _("Kéo dài đến hết ngày"), help_text=_("Tối đa hết tháng 1 năm sau, ví dụ 31/01/2026.")
    )

    class Meta:
        model = UnitPeriod
        fields = ["campaign", "unit", "reason"]

    def run(self, data, *, now):
        return services.unit_period_extend(user=self.user, campaign=data["campaign"], unit=data["unit"],
                                           active_to=data["last_day"] + dt.timedelta(days=1), reason=data["reason"], now=now)  # fmt: skip


@admin.register(UnitPeriod, site=admin_site)
class UnitPeriodAdmin(ScopedServiceFormAdmin):
    form = UnitPeriodForm
    list_display = ["campaign", "unit", "last_day", "reason", "set_by", "set_at"]
    ordering = ["campaign", "unit__path", "pk"]
    readonly = ["campaign", "unit", "last_day", "reason", "set_by", "set_at"]

    @admin.display(description=_("Kéo dài đến hết ngày"))
    def last_day(self, obj):
        return f"{obj.active_to - dt.timedelta(days=1):%d/%m/%Y}"

    def get_fields(self, request, obj=None):
        return ["campaign", "unit", "last_day", "reason"] if obj is None else self.readonly

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)


class PartnerForm(ServiceForm):
    class Meta:
        model = Partner
        fields = ["unit", "kind", "name"]

    def run(self, data, *, now):
        if self.instance.pk:
            raise services.CampaignError("partner", _("Đối tác đã lập không sửa được; hãy thêm đối tác mới."))
        return services.partner_save(user=self.user, unit=data["unit"], kind=data["kind"], name=data["name"])


@admin.register(Partner, site=admin_site)
class PartnerAdmin(ScopedServiceFormAdmin):
    form = PartnerForm
    list_display = ["name", "kind", "unit"]
    list_filter = ["kind"]
    search_fields = ["name"]
    ordering = ["unit__path", "name", "pk"]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)


# --- activities -------------------------------------------------------------------------------------------------------


def _target_fields(prefix: str, labels: dict) -> dict:
    fields = {}
    for measure in MEASURES:
        if measure == Measure.ROAD_KM:
            fields[measure] = forms.DecimalField(
                label=labels[measure], min_value=0, decimal_places=2, max_digits=8, required=False, initial=0
            )
        else:
            fields[measure] = forms.IntegerField(
                label=labels[measure], min_value=0, required=False, initial=0
            )
    return fields


TARGET_LABELS = {m: Measure(m).label for m in MEASURES}
RESULT_LABELS = {**TARGET_LABELS, Measure.BUDGET_VND: _("chi phí (đồng)")}


class ActivityForm(ServiceForm):
    starts_on = _day_field(_("Từ ngày"))
    ends_on = _day_field(_("Đến ngày"))
    locals().update(_target_fields("t", TARGET_LABELS))
    move_to = forms.ChoiceField(label=_("Chuyển trạng thái"), required=False,
                                choices=[("", "—"), *[(s, lbl) for s, lbl in ActivityState.choices if s != ActivityState.PLANNED]])  # fmt: skip
    reason = forms.CharField(label=_("Lý do huỷ"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = Activity
        fields = ["campaign", "unit", "kind", "title", "description", "commune", "partners"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a planned activity only moves; what was planned stays as it was
            for name in ("starts_on", "ends_on", *MEASURES):
                self.fields.pop(name, None)

    def run(self, data, *, now):
        if self.instance.pk:
            if not data.get("move_to"):
                return self.instance
            return services.activity_move(user=self.user, activity=self.instance, to_state=data["move_to"], now=now,
                                          reason=data.get("reason", ""))  # fmt: skip
        return services.activity_plan(
            user=self.user, campaign=data["campaign"], unit=data["unit"], kind=data["kind"], title=data["title"],
            starts_on=data["starts_on"], ends_on=data["ends_on"], now=now, description=data.get("description", ""),
            commune=data.get("commune"), partners=data.get("partners") or [],
            targets={m: data.get(m) or 0 for m in MEASURES},
        )  # fmt: skip


class RecordInline(admin.TabularInline):
    model = ActivityRecord
    fields = [
        "done_on",
        "count",
        "households",
        "cost_vnd",
        "kwh_saved",
        "blood_units",
        "road_km",
        "lamps",
        "service_request",
        "note",
    ]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


@admin.register(Activity, site=admin_site)
class ActivityAdmin(ScopedServiceFormAdmin):
    form = ActivityForm
    list_display = ["title", "kind", "unit", "campaign", "starts_on", "ends_on", "state", "budget"]
    list_filter = ["state", "campaign", "kind", ActivityQueueFilter]
    list_select_related = ["kind", "unit", "campaign"]
    search_fields = ["title"]
    ordering = ["campaign__year", "unit__path", "starts_on", "pk"]
    inlines = [RecordInline]
    readonly = ["campaign", "unit", "kind", "title", "description", "commune", "starts_on", "ends_on", "budget", "targets",
                "partner_names", "state", "cancel_reason", "created_by", "created_at"]  # fmt: skip

    @admin.display(description=_("Kinh phí dự kiến"))
    def budget(self, obj):
        return format_vnd(obj.budget_vnd)

    @admin.display(description=_("Chỉ tiêu"))
    def targets(self, obj):
        rows = [
            (Measure(m).label, getattr(obj, m if m != Measure.BUDGET_VND else "budget_vnd"))
            for m in obj.kind.measures
            if m in MEASURES
        ]
        return format_html_join(mark_safe("<br>"), "{}: {}", rows) or "—"

    @admin.display(description=_("Đối tác"))
    def partner_names(self, obj):
        return ", ".join(p.name for p in obj.partners.order_by("name")) or "—"

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "campaign",
                "unit",
                "kind",
                "title",
                "description",
                "commune",
                "starts_on",
                "ends_on",
                *MEASURES,
                "partners",
            ]
        return [*self.readonly, "move_to", "reason"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_urls(self):
        return [
            path("report/", self.admin_site.admin_view(self.report_view), name="campaigns_report"),
            *super().get_urls(),
        ]

    def report_view(self, request):
        """GET ?year=&unit=&format=xlsx|pdf: the roll-up of one unit the user may see (and the units below it)."""
        units = list(selectors.units_for_reports(user=request.user))
        if not units or not policy.may(user=request.user, action="campaigns.report"):
            raise PermissionDenied
        campaigns = list(selectors.campaigns_all())
        year = request.GET.get("year", "")
        campaign = next(
            (c for c in campaigns if str(c.year) == year), campaigns[0] if campaigns and not year else None
        )
        chosen = request.GET.get("unit", "")
        unit = units[0] if not chosen else next((u for u in units if str(u.pk) == chosen), None)
        if unit is None or (year and campaign is None):
            raise Http404
        language = translation.get_language()
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Kết quả Tháng tri ân"),
                   "units": units, "unit": unit, "campaigns": campaigns, "campaign": campaign}  # fmt: skip
        if campaign is not None:
            rows = selectors.rollup(campaign=campaign, root=unit, user=request.user)
            kinds = selectors.rollup_by_kind(campaign=campaign, root=unit)
            adoption = (selectors.adoption_for_report(campaign=campaign, root=unit, user=request.user)
                        if policy.may(user=request.user, action="insights.view_adoption") else None)  # fmt: skip
            report = documents.report_context(campaign=campaign, root=unit, rows=rows, kinds=kinds, language=language,
                                              today=local_date(timezone.now()), adoption=adoption)  # fmt: skip
            kind = request.GET.get("format", "")
            filename = f"tri-an-{campaign.year}-{unit.code}"
            if kind == "xlsx":
                response = HttpResponse(documents.rollup_xlsx(context=report),
                                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip
                response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
                return response
            if kind == "pdf":
                response = HttpResponse(documents.rollup_pdf(context=report), content_type="application/pdf")
                response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
                return response
            charts = [
                documents.rollup_chart_svg(rows=rows, measure=m, language=language)
                for m in ("count", "households", "budget_vnd")
            ]
            for line in report[
                "adoption_lines"
            ]:  # the paper/SMS-only customers open the visit list, for units one may list
                if policy.may(user=request.user, action="insights.visit_list", unit_id=line["unit_id"]):
                    line["visit_url"] = reverse("admin:insights_adoption_visits") + f"?unit={line['unit_id']}"
            context.update(report)
            context["charts"] = [mark_safe(c) for c in charts if c]  # noqa: S308 - escaped by core.charts
        return TemplateResponse(request, "backoffice/campaigns/report.html", context)
