"""Meters, installations, reading routes, readings and imports, by the unit of the account they serve."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.overview import overview_column
from gridcare.backoffice.scoping import UnitScopedAdmin
from gridcare.backoffice.search import account_ids_by_key, account_search_q
from gridcare.backoffice.site import admin_site
from gridcare.billing.selectors import bills_from_reading
from gridcare.core.admin_mixins import ReadOnlyAdminMixin
from gridcare.customers.models import Account
from gridcare.metering import services as metering_services
from gridcare.metering.models import (
    IntervalReading,
    Meter,
    MeterInstallation,
    Reading,
    ReadingImport,
    ReadingRoute,
    RouteAccount,
)
from gridcare.org import policy


@admin.register(Meter, site=admin_site)
class MeterAdmin(UnitScopedAdmin):
    """Meters currently installed for an account of the staff member's units."""

    list_display = ("serial", "kind", "time_of_use", "register_digits", "multiplier", "manufacturer")
    list_filter = ("kind", "time_of_use")
    search_fields = ("serial",)
    ordering = ("serial",)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        account_ids = account_ids_by_key(term)
        meter_ids = set(Meter.objects.filter(serial__in={term, term.upper()}).values_list("pk", flat=True))
        meter_ids.update(
            MeterInstallation.objects.filter(removed_on__isnull=True, account__in=account_ids).values_list(
                "meter_id", flat=True
            )
        )
        if meter_ids:
            return queryset.filter(pk__in=sorted(meter_ids)), False
        current = MeterInstallation.objects.filter(
            meter=OuterRef("pk"),
            removed_on__isnull=True,
            account__in=Account.objects.filter(account_search_q(term)).values("pk"),
        )
        return queryset.filter(Exists(current)), False


@admin.register(MeterInstallation, site=admin_site)
class MeterInstallationAdmin(UnitScopedAdmin):
    list_display = (
        "meter",
        "service_point",
        "account_overview",
        "installed_on",
        "removed_on",
        "initial_total",
    )
    account_overview = overview_column("account")
    list_select_related = ("meter", "service_point", "account__customer")
    raw_id_fields = ("meter", "service_point", "account")
    search_fields = ("meter__serial",)
    list_filter = (("installed_on", admin.DateFieldListFilter), ("removed_on", admin.EmptyFieldListFilter))
    ordering = ("-installed_on", "-pk")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(account_search_q(term, account_path="account__")), False


@admin.register(ReadingRoute, site=admin_site)
class ReadingRouteAdmin(UnitScopedAdmin):
    list_display = ("code", "name", "reading_day", "unit")
    list_select_related = ("unit",)
    list_filter = ("reading_day",)
    search_fields = ("code", "name")
    ordering = ("code",)


@admin.register(RouteAccount, site=admin_site)
class RouteAccountAdmin(UnitScopedAdmin):
    list_display = ("route", "sequence", "account_overview")
    account_overview = overview_column("account")
    list_select_related = ("route", "account__customer")
    raw_id_fields = ("account",)
    autocomplete_fields = ("route",)
    search_fields = ("account__code",)
    ordering = ("route__code", "sequence", "pk")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(account_search_q(term, account_path="account__")), False


class ReadingCorrectionForm(forms.Form):
    total = forms.IntegerField(label=_("Chỉ số tổng (kWh)"), min_value=0)
    peak = forms.IntegerField(label=_("Cao điểm"), min_value=0, required=False)
    normal = forms.IntegerField(label=_("Bình thường"), min_value=0, required=False)
    offpeak = forms.IntegerField(label=_("Thấp điểm"), min_value=0, required=False)
    reason = forms.CharField(label=_("Lý do sửa"), max_length=200)


@admin.register(Reading, site=admin_site)
class ReadingAdmin(ReadOnlyAdminMixin, UnitScopedAdmin):
    """Readings are shown, never edited: a wrong one is corrected (checked again, audited with its reason)."""

    list_display = (
        "read_on",
        "meter",
        "account_overview",
        "total",
        "peak",
        "normal",
        "offpeak",
        "rollover",
        "source",
    )
    account_overview = overview_column("account")
    list_select_related = ("meter", "account")
    # A date filter rather than date_hierarchy: the hierarchy reads distinct dates over the whole table.
    list_filter = (("read_on", admin.DateFieldListFilter), "source", "rollover")
    raw_id_fields = ("meter", "account", "reading_import")
    search_fields = ("meter__serial",)
    ordering = ("-read_on", "-pk")
    readonly_fields = ("correction_link", "reading_import_link")
    fields = ("read_on", "meter", "account", "total", "peak", "normal", "offpeak", "rollover", "source",
              "reading_import_link", "correction_link")  # fmt: skip

    @admin.display(description=_("Lần nhập"))
    def reading_import_link(self, obj):
        if obj is None or obj.reading_import_id is None:
            return "—"
        url = reverse("admin:metering_readingimport_change", args=[obj.reading_import_id])
        return format_html('<a href="{}">{}</a>', url, obj.reading_import)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(account_search_q(term, account_path="account__")), False

    @admin.display(description=_("Sửa chỉ số"))
    def correction_link(self, obj):
        if obj is None or obj.pk is None:
            return ""
        return format_html('<a href="{}">{}</a>', reverse("admin:metering_reading_correct", args=[obj.pk]),
                           _("Sửa chỉ số này (ghi lý do)"))  # fmt: skip

    def get_urls(self):
        return [
            path(
                "<int:pk>/correct/",
                self.admin_site.admin_view(self.correct_view),
                name="metering_reading_correct",
            ),
            *super().get_urls(),
        ]

    def correct_view(self, request, pk):
        reading = get_object_or_404(self.get_queryset(request).select_related("account", "meter"), pk=pk)
        if not policy.may(
            user=request.user, action="metering.correct_reading", unit_id=reading.account.unit_id
        ):
            raise PermissionDenied
        initial = {name: getattr(reading, name) for name in ("total", "peak", "normal", "offpeak")}
        form = ReadingCorrectionForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            values = form.cleaned_data
            try:
                metering_services.reading_correct(
                    reading=reading, total=values["total"], peak=values["peak"], normal=values["normal"],
                    offpeak=values["offpeak"], reason=values["reason"], user=request.user, now=timezone.now(),
                )  # fmt: skip
            except ValidationError as exc:
                for field, messages_ in exc.message_dict.items():
                    for message in messages_:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Đã sửa chỉ số và ghi nhật ký kiểm toán."))
                billed = bills_from_reading(reading=reading)
                if billed:
                    messages.warning(request, _(
                        "Hoá đơn %(numbers)s đã lập từ chỉ số này và không tự thay đổi: hãy huỷ và lập lại nếu cần."
                    ) % {"numbers": ", ".join(billed)})  # fmt: skip
                return redirect(reverse("admin:metering_reading_change", args=[reading.pk]))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "reading": reading, "form": form,
            "title": _("Sửa chỉ số công tơ %(meter)s ngày %(date)s")
            % {"meter": reading.meter.serial, "date": reading.read_on.strftime("%d/%m/%Y")},
        }  # fmt: skip
        return TemplateResponse(request, "backoffice/reading_correct.html", context)


@admin.register(IntervalReading, site=admin_site)
class IntervalReadingAdmin(UnitScopedAdmin):
    list_display = ("start", "meter", "energy_wh")
    list_select_related = ("meter",)
    raw_id_fields = ("meter", "reading_import")
    search_fields = ("=meter__serial",)
    ordering = ("-start", "-pk")


@admin.register(ReadingImport, site=admin_site)
class ReadingImportAdmin(admin.ModelAdmin):
    """Imports are made by the import command or the API; the back office shows their outcome."""

    list_display = (
        "started_at",
        "source",
        "kind",
        "status",
        "rows_total",
        "rows_inserted",
        "rows_already_present",
        "rows_rejected",
    )
    list_filter = ("status", "kind")
    search_fields = ("source", "=sha256")
    ordering = ("-started_at", "-pk")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
