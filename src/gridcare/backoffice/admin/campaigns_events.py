"""Back office of the appreciation month: blood drives and their registrations, rural road lighting projects, and
recognition lists with their letters (PDF). The forms' base is in `campaigns`."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.admin.campaigns import (
    ScopedServiceFormAdmin,
    ServiceForm,
    _day_field,
)
from gridcare.backoffice.admin.campaigns_workday import (
    BloodDriveQueueFilter,
)
from gridcare.backoffice.site import admin_site
from gridcare.campaigns import documents, selectors, services
from gridcare.campaigns.models import (
    BloodDrive,
    BloodRegistration,
    LightingProject,
    RecognitionEntry,
    RecognitionList,
)
from gridcare.core.formatting import format_vnd, local_date
from gridcare.org import policy

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
    list_display = [
        "place",
        "held_on",
        "activity",
        "public_registration",
        "figures",
        "closed_at",
        "public_link",
    ]
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
    consent = forms.BooleanField(
        label=_("Người đăng ký đồng ý cho đơn vị lưu họ tên và số điện thoại"), required=False
    )

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
        return (
            ["drive", "name", "phone", "consent"]
            if obj is None
            else ["drive", "kind", "name", "phone", "registered_at", "turned_up", "units"]
        )

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
                services.photo_add(
                    user=self.user, upload=data[moment], now=now, project=project, moment=moment
                )
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
        fields = [
            "activity",
            "commune",
            "road_name",
            "km_lit",
            "lamps_installed",
            "cost_vnd",
            "partners",
            "finished_on",
            "before",
            "after",
        ]
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
                entries = services.recognition_entries_parse(
                    content=upload.read(2_000_001)[:2_000_000], filename=upload.name
                )
            elif data.get("typed"):
                entries = services.recognition_entries_parse(
                    content=data["typed"].encode(), filename="typed.csv"
                )
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
        return (
            format_html(
                '<a href="{}">PDF</a>', reverse("admin:campaigns_recognitionlist_letters", args=[obj.pk])
            )
            if obj.pk
            else "—"
        )

    def get_fields(self, request, obj=None):
        return (
            ["campaign", "unit", "source", "title", "letter_text", "upload", "typed"]
            if obj is None
            else self.readonly
        )

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
        pdf = documents.letters_pdf(
            recognition_list=chosen, entries=entries, today=local_date(timezone.now())
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="thu-cam-on-{chosen.pk}.pdf"'
        return response
