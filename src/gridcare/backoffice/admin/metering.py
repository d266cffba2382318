"""Meters, installations, reading routes, readings and imports, by the unit of the account they serve."""

from django.contrib import admin
from django.db.models import Exists, OuterRef

from gridcare.backoffice.scoping import UnitScopedAdmin
from gridcare.backoffice.search import account_ids_by_key, account_search_q
from gridcare.backoffice.site import admin_site
from gridcare.metering.models import (
    IntervalReading,
    Meter,
    MeterInstallation,
    Reading,
    ReadingImport,
    ReadingRoute,
    RouteAccount,
)


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
            MeterInstallation.objects.filter(removed_on__isnull=True, account__in=account_ids).values_list("meter_id", flat=True)
        )
        if meter_ids:
            return queryset.filter(pk__in=sorted(meter_ids)), False
        current = MeterInstallation.objects.filter(
            meter=OuterRef("pk"), removed_on__isnull=True, account__customer__name__icontains=term
        )
        return queryset.filter(Exists(current)), False


@admin.register(MeterInstallation, site=admin_site)
class MeterInstallationAdmin(UnitScopedAdmin):
    list_display = ("meter", "service_point", "account", "installed_on", "removed_on", "initial_total")
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
    list_display = ("route", "sequence", "account")
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


@admin.register(Reading, site=admin_site)
class ReadingAdmin(UnitScopedAdmin):
    list_display = ("read_on", "meter", "account", "total", "peak", "normal", "offpeak", "rollover", "source")
    list_select_related = ("meter", "account")
    # A date filter rather than date_hierarchy: the hierarchy reads distinct dates over the whole table.
    list_filter = (("read_on", admin.DateFieldListFilter), "source", "rollover")
    raw_id_fields = ("meter", "account", "reading_import")
    search_fields = ("meter__serial",)
    ordering = ("-read_on", "-pk")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(account_search_q(term, account_path="account__")), False


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

    list_display = ("started_at", "source", "kind", "status", "rows_total", "rows_inserted", "rows_already_present", "rows_rejected")
    list_filter = ("status", "kind")
    search_fields = ("source", "=sha256")
    ordering = ("-started_at", "-pk")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
