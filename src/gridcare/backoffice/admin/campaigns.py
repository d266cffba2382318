"""Back office of the Customer Appreciation Month: the year's campaign and units' periods, planning activities,
recording what was done (photos, beneficiaries, free services as service requests), blood drives, lighting projects,
recognition lists and their letters, and the roll-up report up the unit tree (page, XLSX, PDF).

Every form runs its service in `clean()`, so a refusal is shown on the form with the input kept, and the service
asks the access policy itself.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.admin.campaigns_workday import ActivityQueueFilter, BloodDriveQueueFilter, RecordQueueFilter
from gridcare.backoffice.scoping import PolicyAdmin, UnitScopedAdmin
from gridcare.backoffice.site import admin_site
from gridcare.campaigns import documents, selectors, services
from gridcare.campaigns.models import (
    MEASURES,
    Activity,
    ActivityKind,
    ActivityRecord,
    ActivityState,
    Beneficiary,
    BloodDrive,
    BloodRegistration,
    Campaign,
    LightingProject,
    Measure,
    Partner,
    Photo,
    RecognitionEntry,
    RecognitionList,
    UnitPeriod,
)
from gridcare.core.clientaddress import client_address
from gridcare.core.formatting import format_vnd, local_date
from gridcare.customers.models import Account, SocialCategoryAssignment
from gridcare.org import policy
from gridcare.servicedesk.models import ServiceRequest

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
        for formset in formsets:  # the inlines are read-only lists: nothing to save, nothing for the change message
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
    readonly = ["year", "name", "theme", "unit", "period", "latest", "anniversary_on", "opened_by", "opened_at", "report_link"]

    @admin.display(description=_("Thời gian"))
    def period(self, obj):
        return f"{obj.active_from:%d/%m/%Y} – {obj.active_to - dt.timedelta(days=1):%d/%m/%Y}"

    @admin.display(description=_("Đơn vị được kéo dài đến hết ngày"))
    def latest(self, obj):
        return f"{obj.latest_end - dt.timedelta(days=1):%d/%m/%Y}"

    @admin.display(description=_("Báo cáo"))
    def report_link(self, obj):
        return format_html('<a href="{}?year={}">{}</a>', reverse("admin:campaigns_report"), obj.year, _("Xem kết quả"))

    def get_fields(self, request, obj=None):
        return ["year", "name", "theme", "active_from", "last_day", "latest_last_day", "anniversary_on"] if obj is None else self.readonly

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)


@admin.register(ActivityKind, site=admin_site)
class ActivityKindAdmin(PolicyAdmin):
    list_display = ["name_vi", "group", "measure_names", "request_type_code", "beneficiaries", "position"]
    list_filter = ["group"]
    ordering = ["position", "code", "pk"]
    fields = ["code", "group", "name_vi", "name_en", "name_fr", "measures", "request_type_code", "beneficiaries", "special", "position"]

    @admin.display(description=_("Chỉ tiêu áp dụng"))
    def measure_names(self, obj):
        return ", ".join(str(Measure(m).label) for m in obj.measures if m in MEASURES)


class UnitPeriodForm(ServiceForm):
    last_day = _day_field(_("Kéo dài đến hết ngày"), help_text=_("Tối đa hết tháng 1 năm sau, ví dụ 31/01/2026."))

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
            fields[measure] = forms.DecimalField(label=labels[measure], min_value=0, decimal_places=2, max_digits=8, required=False, initial=0)
        else:
            fields[measure] = forms.IntegerField(label=labels[measure], min_value=0, required=False, initial=0)
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
    fields = ["done_on", "count", "households", "cost_vnd", "kwh_saved", "blood_units", "road_km", "lamps", "service_request", "note"]
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
        rows = [(Measure(m).label, getattr(obj, m if m != Measure.BUDGET_VND else "budget_vnd")) for m in obj.kind.measures if m in MEASURES]
        return format_html_join(mark_safe("<br>"), "{}: {}", rows) or "—"

    @admin.display(description=_("Đối tác"))
    def partner_names(self, obj):
        return ", ".join(p.name for p in obj.partners.order_by("name")) or "—"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["campaign", "unit", "kind", "title", "description", "commune", "starts_on", "ends_on", *MEASURES, "partners"]
        return [*self.readonly, "move_to", "reason"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_urls(self):
        return [path("report/", self.admin_site.admin_view(self.report_view), name="campaigns_report"), *super().get_urls()]

    def report_view(self, request):
        """GET ?year=&unit=&format=xlsx|pdf: the roll-up of one unit the user may see (and the units below it)."""
        units = list(selectors.units_for_reports(user=request.user))
        if not units or not policy.may(user=request.user, action="campaigns.report"):
            raise PermissionDenied
        campaigns = list(selectors.campaigns_all())
        year = request.GET.get("year", "")
        campaign = next((c for c in campaigns if str(c.year) == year), campaigns[0] if campaigns and not year else None)
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
            charts = [documents.rollup_chart_svg(rows=rows, measure=m, language=language) for m in ("count", "households", "budget_vnd")]
            for line in report["adoption_lines"]:  # the paper/SMS-only customers open the visit list, for units one may list
                if policy.may(user=request.user, action="insights.visit_list", unit_id=line["unit_id"]):
                    line["visit_url"] = reverse("admin:insights_adoption_visits") + f"?unit={line['unit_id']}"
            context.update(report)
            context["charts"] = [mark_safe(c) for c in charts if c]  # noqa: S308 - escaped by core.charts
        return TemplateResponse(request, "backoffice/campaigns/report.html", context)


# --- records, photos, beneficiaries -------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class ActivityRecordForm(ServiceForm):
    done_on = _day_field(_("Ngày thực hiện"), required=False, help_text=_("Bỏ trống khi mở yêu cầu dịch vụ."))
    locals().update(_target_fields("r", RESULT_LABELS))
    photos = MultipleFileField(label=_("Ảnh"), required=False, help_text=_("JPEG, PNG, WEBP hoặc PDF; ảnh được thu nhỏ."))
    account_code = forms.CharField(label=_("Mã khách hàng (dịch vụ miễn phí)"), required=False, max_length=13,
                                   help_text=_("Với dịch vụ kỹ thuật miễn phí: mở yêu cầu dịch vụ cho khách hàng này; kết quả được tính khi yêu cầu hoàn thành."))  # fmt: skip
    request_number = forms.CharField(label=_("Số yêu cầu đã có"), required=False, max_length=20,
                                     help_text=_("Hoặc tính một yêu cầu dịch vụ miễn phí đã mở vào hoạt động này."))  # fmt: skip

    class Meta:
        model = ActivityRecord
        fields = ["activity", "note"]

    def run(self, data, *, now):
        activity = data["activity"]
        if data.get("account_code"):
            account = policy.reach(Account.objects.filter(code=data["account_code"].strip().upper()), user=self.user).first()
            if account is None:
                raise services.CampaignError("account", _("Không tìm thấy mã khách hàng này trong đơn vị của bạn."), field="account_code")
            phone = account.phone or ""
            return services.activity_request_open(user=self.user, activity=activity, account=account, now=now,
                                                  description=data.get("note", ""),
                                                  fields={"contact_phone": phone, "preferred_date": f"{local_date(now):%d/%m/%Y}",
                                                          "transformer_kva": "0"})  # fmt: skip
        if data.get("request_number"):
            request = policy.reach(ServiceRequest.objects.filter(number=data["request_number"].strip()), user=self.user).first()
            if request is None:
                raise services.CampaignError("request", _("Không tìm thấy yêu cầu này trong đơn vị của bạn."), field="request_number")
            return services.activity_request_link(user=self.user, activity=activity, request=request, now=now)
        if data.get("done_on") is None:
            raise services.CampaignError("done_on", _("Hãy ghi ngày thực hiện."), field="done_on")
        return services.activity_record_add(user=self.user, activity=activity, done_on=data["done_on"], now=now,
                                            quantities={m: data.get(m) or 0 for m in MEASURES}, note=data.get("note", ""),
                                            uploads=data.get("photos") or [])  # fmt: skip


class BeneficiaryInline(admin.TabularInline):
    model = Beneficiary
    fields = ["source", "name", "support"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return policy.records(super().get_queryset(request), user=request.user)


@admin.register(ActivityRecord, site=admin_site)
class ActivityRecordAdmin(ScopedServiceFormAdmin):
    form = ActivityRecordForm
    list_display = ["activity", "done_on", "count", "households", "cost", "service_request", "counted"]
    list_select_related = ["activity", "service_request"]
    list_filter = ["activity__campaign", "activity__kind", RecordQueueFilter]
    ordering = ["-done_on", "-pk"]
    inlines = [BeneficiaryInline]
    readonly = ["activity", "done_on", "note", "count", "households", "cost", "kwh_saved", "blood_units", "road_km", "lamps",
                "service_request", "counted", "photo_links", "recorded_by", "recorded_at"]  # fmt: skip

    @admin.display(description=_("Chi phí"))
    def cost(self, obj):
        return format_vnd(obj.cost_vnd)

    @admin.display(description=_("Được tính vào kết quả"), boolean=True)
    def counted(self, obj):
        return obj.service_request_id is None or obj.service_request.state == "closed"

    @admin.display(description=_("Ảnh"))
    def photo_links(self, obj):
        rows = [(reverse("admin:campaigns_photo", args=[p.pk]), p.original_name) for p in selectors.photos_of(record=obj)]
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a>', rows) or "—"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["activity", "done_on", *MEASURES, "note", "photos", "account_code", "request_number"]
        return self.readonly

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            record = self.get_object(request, object_id)
            if record is not None:
                shown = policy.records(Beneficiary.objects.filter(record=record), user=request.user).select_related("social_category")
                services.beneficiaries_read_record(user=request.user, beneficiaries=shown, address=client_address(request),
                                                   reason="backoffice record view", now=timezone.now())  # fmt: skip
        return response

    def get_urls(self):
        return [path("photo/<int:pk>/", self.admin_site.admin_view(self.photo_view), name="campaigns_photo"), *super().get_urls()]

    def photo_view(self, request, pk):
        photo = get_object_or_404(policy.records(Photo.objects.all(), user=request.user), pk=pk)
        response = HttpResponse(photo.file.open("rb").read(), content_type=photo.content_type)
        response["Content-Disposition"] = "inline"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class BeneficiaryForm(ServiceForm):
    consent_on = _day_field(_("Ngày đồng ý"), required=False)

    class Meta:
        model = Beneficiary
        fields = ["record", "source", "social_category", "name", "address", "support", "value_vnd"]

    def run(self, data, *, now):
        if data["source"] == Beneficiary.Source.SOCIAL_CATEGORY:
            if data.get("social_category") is None:
                raise services.CampaignError("category", _("Hãy chọn đối tượng chính sách của khách hàng."), field="social_category")
            return services.beneficiary_from_social_category(
                user=self.user, record=data["record"], assignment=data["social_category"], now=now, support=data.get("support", ""),
                value_vnd=data.get("value_vnd") or 0, address=client_address(self.request),
            )  # fmt: skip
        return services.beneficiary_with_consent(user=self.user, record=data["record"], name=data.get("name", ""),
                                                 address=data.get("address", ""), consent_on=data.get("consent_on"),
                                                 support=data.get("support", ""), value_vnd=data.get("value_vnd") or 0)  # fmt: skip


@admin.register(Beneficiary, site=admin_site)
class BeneficiaryAdmin(ScopedServiceFormAdmin):
    """Personal: a team sees only its own; social categories only for roles that need them; every read is audited."""

    form = BeneficiaryForm
    list_display = ["who", "source", "category", "record", "support"]
    list_select_related = ["record__activity", "customer", "social_category"]
    list_filter = ["source"]
    raw_id_fields = ["record", "social_category"]
    ordering = ["record_id", "pk"]
    readonly = ["record", "source", "who", "category", "address", "consent_on", "support", "value_vnd"]

    @admin.display(description=_("Họ tên"))
    def who(self, obj):
        return obj.name or (obj.customer.name if obj.customer_id else "—")

    @admin.display(description=_("Đối tượng"))
    def category(self, obj):
        return obj.social_category.get_category_display() if obj.social_category_id else "—"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "social_category":
            allowed = selectors.may_see_social_categories(user=request.user)
            kwargs["queryset"] = policy.reach(SocialCategoryAssignment.objects.all(), user=request.user) if allowed else (
                SocialCategoryAssignment.objects.none())  # fmt: skip
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        return ["record", "source", "social_category", "name", "address", "consent_on", "support", "value_vnd"] if obj is None else self.readonly

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            services.beneficiaries_read_record(user=request.user, beneficiaries=changelist.result_list,
                                               address=client_address(request), reason="backoffice changelist", now=timezone.now())  # fmt: skip
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and object_id:
            obj = self.get_object(request, object_id)
            if obj is not None:
                services.beneficiaries_read_record(user=request.user, beneficiaries=[obj], address=client_address(request),
                                                   reason="backoffice change view", now=timezone.now())  # fmt: skip
        return response


# --- blood drives ---------------------------------------------------------------------------------------------------


class BloodDriveForm(ServiceForm):
    held_on = _day_field(_("Ngày tổ chức"))

    class Meta:
        model = BloodDrive
        fields = ["activity", "place", "public_registration"]

    def run(self, data, *, now):
        return services.blood_drive_plan(user=self.user, activity=data["activity"], place=data["place"], held_on=data["held_on"],
                                         public_registration=data.get("public_registration", False))  # fmt: skip


class RegistrationInline(admin.TabularInline):
    model = BloodRegistration
    fields = ["kind", "name", "registered_at", "turned_up", "units"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


@admin.register(BloodDrive, site=admin_site)
class BloodDriveAdmin(ScopedServiceFormAdmin):
    form = BloodDriveForm
    list_display = ["place", "held_on", "activity", "public_registration", "figures", "closed_at", "public_link"]
    list_select_related = ["activity"]
    list_filter = [BloodDriveQueueFilter]
    ordering = ["-held_on", "pk"]
    inlines = [RegistrationInline]
    actions = ["close_drives"]
    readonly = ["activity", "place", "held_on", "public_registration", "figures", "closed_at", "public_link"]

    @admin.display(description=_("Đăng ký · đã hiến · đơn vị máu"))
    def figures(self, obj):
        c = selectors.blood_drive_counts(drive=obj)
        return f"{c['registered']} · {c['turned_up']} · {c['units']}"

    @admin.display(description=_("Trang đăng ký"))
    def public_link(self, obj):
        if not obj.public_registration:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("portal:blood_drive", args=[obj.pk]), _("Mở"))

    def get_fields(self, request, obj=None):
        return ["activity", "place", "held_on", "public_registration"] if obj is None else self.readonly

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    @admin.action(description=_("Tổng kết đợt hiến máu (ghi kết quả vào hoạt động)"), permissions=["view"])
    def close_drives(self, request, queryset):
        done = 0
        for drive in queryset.select_related("activity__campaign", "activity__unit", "activity__kind"):
            try:
                services.blood_drive_close(user=request.user, drive=drive, now=timezone.now())
                done += 1
            except (services.CampaignError, policy.AccessDenied) as error:
                messages.error(request, f"{drive}: {error.message}")
        if done:
            messages.success(request, _("Đã tổng kết %(n)s đợt hiến máu.") % {"n": done})


class RegistrationForm(ServiceForm):
    consent = forms.BooleanField(label=_("Người đăng ký đồng ý cho đơn vị lưu họ tên và số điện thoại"), required=False)

    class Meta:
        model = BloodRegistration
        fields = ["drive", "name", "phone", "turned_up", "units"]

    def run(self, data, *, now):
        if self.instance.pk:
            return services.blood_donation_record(user=self.user, registration=self.instance, turned_up=data.get("turned_up", False),
                                                  units=data.get("units") or 0)  # fmt: skip
        policy.require(user=self.user, action="campaigns.record", unit_id=data["drive"].activity.unit_id)
        return services.blood_register(drive=data["drive"], name=data["name"], phone=data["phone"], consent=data.get("consent", False),
                                       now=now, staff_user=self.user)  # fmt: skip


@admin.register(BloodRegistration, site=admin_site)
class BloodRegistrationAdmin(ScopedServiceFormAdmin):
    form = RegistrationForm
    list_display = ["name", "kind", "drive", "registered_at", "turned_up", "units"]
    list_filter = ["kind", "turned_up"]
    list_select_related = ["drive"]
    search_fields = ["name", "=phone"]
    ordering = ["drive", "registered_at", "pk"]

    def get_fields(self, request, obj=None):
        return ["drive", "name", "phone", "consent"] if obj is None else ["drive", "kind", "name", "phone", "registered_at", "turned_up", "units"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["drive", "kind", "name", "phone", "registered_at"]


# --- rural road lighting ---------------------------------------------------------------------------------------------


class LightingProjectForm(ServiceForm):
    finished_on = _day_field(_("Ngày hoàn thành"), required=False)
    before = forms.FileField(label=_("Ảnh trước khi làm"), required=False)
    after = forms.FileField(label=_("Ảnh sau khi làm"), required=False)

    class Meta:
        model = LightingProject
        fields = ["activity", "commune", "road_name", "km_lit", "lamps_installed", "cost_vnd", "partners"]

    def run(self, data, *, now):
        project = services.lighting_project_save(
            user=self.user, activity=data["activity"], commune=data["commune"], road_name=data["road_name"], now=now,
            km_lit=data.get("km_lit") or 0, lamps_installed=data.get("lamps_installed") or 0, cost_vnd=data.get("cost_vnd") or 0,
            partners=data.get("partners") or [], finished_on=data.get("finished_on"),
        )  # fmt: skip
        for moment in ("before", "after"):
            if data.get(moment):
                services.photo_add(user=self.user, upload=data[moment], now=now, project=project, moment=moment)
        return project


@admin.register(LightingProject, site=admin_site)
class LightingProjectAdmin(ScopedServiceFormAdmin):
    form = LightingProjectForm
    list_display = ["road_name", "commune", "km_lit", "lamps_installed", "cost", "finished_on"]
    list_select_related = ["commune"]
    ordering = ["commune__name", "pk"]

    @admin.display(description=_("Kinh phí"))
    def cost(self, obj):
        return format_vnd(obj.cost_vnd)

    @admin.display(description=_("Ảnh"))
    def photo_links(self, obj):
        rows = [(reverse("admin:campaigns_photo", args=[p.pk]), p.get_moment_display(), p.original_name)
                for p in selectors.photos_of(project=obj)]  # fmt: skip
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}: {}</a>', rows) or "—"

    def get_fields(self, request, obj=None):
        fields = ["activity", "commune", "road_name", "km_lit", "lamps_installed", "cost_vnd", "partners", "finished_on", "before", "after"]
        return fields if obj is None else [*fields, "photo_links"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["activity", "photo_links"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            form.base_fields["finished_on"].initial = obj.finished_on
        return form


# --- recognition lists -----------------------------------------------------------------------------------------------


class RecognitionListForm(ServiceForm):
    upload = forms.FileField(label=_("Tệp danh sách (CSV hoặc XLSX)"), required=False,
                             help_text=_("Với danh sách tự chọn: các cột mã khách hàng, lý do, kết quả."))  # fmt: skip
    typed = forms.CharField(label=_("Hoặc gõ danh sách"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("Mỗi dòng: mã khách hàng, lý do, kết quả."))  # fmt: skip

    class Meta:
        model = RecognitionList
        fields = ["campaign", "unit", "source", "title", "letter_text"]

    def run(self, data, *, now):
        entries = None
        if data["source"] == RecognitionList.Source.MANUAL:
            upload = data.get("upload")
            if upload is not None:
                entries = services.recognition_entries_parse(content=upload.read(2_000_001)[:2_000_000], filename=upload.name)
            elif data.get("typed"):
                entries = services.recognition_entries_parse(content=data["typed"].encode(), filename="typed.csv")
        return services.recognition_list_build(user=self.user, campaign=data["campaign"], unit=data["unit"], source=data["source"],
                                               title=data.get("title", ""), letter_text=data.get("letter_text", ""), now=now,
                                               entries=entries)  # fmt: skip


class EntryInline(admin.TabularInline):
    model = RecognitionEntry
    fields = ["position", "name", "account_code", "reason", "figure"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(RecognitionList, site=admin_site)
class RecognitionListAdmin(ScopedServiceFormAdmin):
    form = RecognitionListForm
    list_display = ["title", "source", "unit", "campaign", "built_at", "letters"]
    list_filter = ["source", "campaign"]
    list_select_related = ["unit", "campaign"]
    ordering = ["-built_at", "-pk"]
    inlines = [EntryInline]
    readonly = ["campaign", "unit", "source", "title", "letter_text", "built_by", "built_at", "letters"]

    @admin.display(description=_("Thư cảm ơn"))
    def letters(self, obj):
        return format_html('<a href="{}">PDF</a>', reverse("admin:campaigns_recognitionlist_letters", args=[obj.pk])) if obj.pk else "—"

    def get_fields(self, request, obj=None):
        return ["campaign", "unit", "source", "title", "letter_text", "upload", "typed"] if obj is None else self.readonly

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def get_urls(self):
        return [path("<int:pk>/letters/", self.admin_site.admin_view(self.letters_view), name="campaigns_recognitionlist_letters"),
                *super().get_urls()]  # fmt: skip

    def letters_view(self, request, pk):
        chosen = get_object_or_404(self.get_queryset(request).select_related("unit", "campaign"), pk=pk)
        entries = list(chosen.entries.order_by("position", "pk"))
        pdf = documents.letters_pdf(recognition_list=chosen, entries=entries, today=local_date(timezone.now()))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="thu-cam-on-{chosen.pk}.pdf"'
        return response


