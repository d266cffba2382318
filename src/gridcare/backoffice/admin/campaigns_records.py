"""Back office of the appreciation month: what was done (records with photos; a free service opens or counts a
service request) and who benefited (personal: a team sees only its own, social categories only for roles that need
them, every read audited). The forms' base is in `campaigns`."""

from django import forms
from django.contrib import admin
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.admin.campaigns import (
    RESULT_LABELS,
    ScopedServiceFormAdmin,
    ServiceForm,
    _day_field,
    _target_fields,
)
from gridcare.backoffice.admin.campaigns_workday import (
    RecordQueueFilter,
)
from gridcare.backoffice.site import admin_site
from gridcare.campaigns import selectors, services
from gridcare.campaigns.models import (
    MEASURES,
    ActivityRecord,
    Beneficiary,
)
from gridcare.core.clientaddress import client_address
from gridcare.core.formatting import format_vnd, local_date
from gridcare.org import policy

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
    photos = MultipleFileField(
        label=_("Ảnh"), required=False, help_text=_("JPEG, PNG, WEBP hoặc PDF; ảnh được thu nhỏ.")
    )
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
            account = selectors.account_within_units(user=self.user, code=data["account_code"])
            if account is None:
                raise services.CampaignError(
                    "account",
                    _("Không tìm thấy mã khách hàng này trong đơn vị của bạn."),
                    field="account_code",
                )
            phone = account.phone or ""
            return services.activity_request_open(user=self.user, activity=activity, account=account, now=now,
                                                  description=data.get("note", ""),
                                                  fields={"contact_phone": phone, "preferred_date": f"{local_date(now):%d/%m/%Y}",
                                                          "transformer_kva": "0"})  # fmt: skip
        if data.get("request_number"):
            request = selectors.service_request_within_units(user=self.user, number=data["request_number"])
            if request is None:
                raise services.CampaignError(
                    "request", _("Không tìm thấy yêu cầu này trong đơn vị của bạn."), field="request_number"
                )
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
        rows = [
            (reverse("admin:campaigns_photo", args=[p.pk]), p.original_name)
            for p in selectors.photos_of(record=obj)
        ]
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
                shown = selectors.beneficiaries_visible(user=request.user, record=record)
                services.beneficiaries_read_record(user=request.user, beneficiaries=shown, address=client_address(request),
                                                   reason="backoffice record view", now=timezone.now())  # fmt: skip
        return response

    def get_urls(self):
        return [
            path("photo/<int:pk>/", self.admin_site.admin_view(self.photo_view), name="campaigns_photo"),
            *super().get_urls(),
        ]

    def photo_view(self, request, pk):
        photo = selectors.photo_visible(user=request.user, pk=pk)
        if photo is None:
            raise Http404
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
                raise services.CampaignError(
                    "category", _("Hãy chọn đối tượng chính sách của khách hàng."), field="social_category"
                )
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
            kwargs["queryset"] = selectors.social_categories_choosable(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        return (
            ["record", "source", "social_category", "name", "address", "consent_on", "support", "value_vnd"]
            if obj is None
            else self.readonly
        )

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
