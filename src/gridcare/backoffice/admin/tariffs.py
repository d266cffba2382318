"""The tariff catalogue: every price decision with its dates, tiers and time-of-use prices; VAT; TOU hours.

Staff add a new price decision here, without a code change: saving a version closes the open-ended one it
replaces (through `gridcare.tariffs.services`, audited) and a version that overlaps another is refused. VAT
rates are saved the same way.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.site import admin_site
from gridcare.tariffs import services
from gridcare.tariffs.models import (
    TariffVersion,
    TierPrice,
    TimeOfUsePrice,
    TimeOfUseSchedule,
    TimeOfUseWindow,
    VatRate,
)
from gridcare.tariffs.selectors import tariff_version_price_summary, with_prices


class TariffVersionForm(forms.ModelForm):
    class Meta:
        model = TariffVersion
        fields = (
            "purpose", "method", "decision", "decision_date", "active_from", "active_to", "proration_divisor",
            "confidence", "note",
        )  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("purpose") and data.get("active_from"):
            # The open-ended version this one follows is closed on save; any other overlap is refused.
            services.tariff_version_dates_validate(
                purpose=data["purpose"], active_from=data["active_from"], active_to=data.get("active_to"),
                exclude_pk=self.instance.pk,
            )  # fmt: skip
        return data


class VatRateForm(forms.ModelForm):
    class Meta:
        model = VatRate
        fields = ("active_from", "active_to", "rate_percent", "basis", "confidence")

    def clean(self):
        data = super().clean()
        if data.get("active_from"):
            # The open-ended rate this one follows is closed on save; any other overlap is refused.
            services.vat_rate_dates_validate(
                active_from=data["active_from"], active_to=data.get("active_to"), exclude_pk=self.instance.pk
            )
        return data


class ServiceSavedAdmin(admin.ModelAdmin):
    """Saves go through a catalogue service, which checks again under the write lock.

    The form has checked the same rule already; if another save won the race in between, the service's
    refusal comes back as a message on the form's page, never as a server error.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())


class TierFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if not self.instance.method:
            return  # the version's own form is invalid and says why
        rows = sorted(
            (
                (
                    form.cleaned_data["position"],
                    form.cleaned_data.get("limit_kwh"),
                    form.cleaned_data["unit_price"],
                )
                for form in self.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ),
            key=lambda row: row[0],
        )
        services.tiers_validate(
            method=self.instance.method, tiers=[(limit, price) for _p, limit, price in rows],
            positions=[position for position, _limit, _price in rows],
        )  # fmt: skip


class TimeOfUsePriceFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if not self.instance.method:
            return
        services.tou_prices_validate(
            method=self.instance.method,
            prices=[
                (form.cleaned_data["voltage"], form.cleaned_data["period"])
                for form in self.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ],
        )


class TierPriceInline(admin.TabularInline):
    model = TierPrice
    formset = TierFormSet
    extra = 0
    ordering = ("position", "pk")


class TimeOfUsePriceInline(admin.TabularInline):
    model = TimeOfUsePrice
    formset = TimeOfUsePriceFormSet
    extra = 0
    ordering = ("voltage", "period", "pk")


class AuditedCatalogueAdmin(admin.ModelAdmin):
    """Saves and deletes of catalogue rows (and their inlines) are audited by the database's triggers: who (the
    request's user), when, before and after (`core.audit_triggers`)."""


@admin.register(TariffVersion, site=admin_site)
class TariffVersionAdmin(ServiceSavedAdmin):
    form = TariffVersionForm
    inlines = (TierPriceInline, TimeOfUsePriceInline)
    list_display = (
        "purpose", "decision", "decision_date", "active_from", "active_to", "method", "prices", "proration_divisor",
        "confidence",
    )  # fmt: skip
    list_filter = ("purpose", "method", "confidence")
    search_fields = ("decision", "note")
    date_hierarchy = "active_from"
    ordering = ("purpose", "-active_from", "pk")

    def get_queryset(self, request):
        return with_prices(super().get_queryset(request))

    @admin.display(description=_("đơn giá (đồng/kWh, chưa VAT)"))
    def prices(self, obj):
        return tariff_version_price_summary(version=obj)

    def save_model(self, request, obj, form, change):
        services.tariff_version_save(version=obj, user=request.user)


class TimeOfUseWindowInline(admin.TabularInline):
    model = TimeOfUseWindow
    extra = 0
    ordering = ("days", "starts_at", "pk")


@admin.register(TimeOfUseSchedule, site=admin_site)
class TimeOfUseScheduleAdmin(AuditedCatalogueAdmin):
    inlines = (TimeOfUseWindowInline,)
    list_display = ("decision", "active_from", "active_to", "confidence")
    list_filter = ("confidence",)
    ordering = ("-active_from", "pk")


@admin.register(VatRate, site=admin_site)
class VatRateAdmin(ServiceSavedAdmin):
    form = VatRateForm
    list_display = ("active_from", "active_to", "rate_percent", "basis", "confidence")
    list_filter = ("confidence",)
    ordering = ("-active_from", "pk")

    def save_model(self, request, obj, form, change):
        services.vat_rate_save(rate=obj, user=request.user)
