"""Substations, feeders and transformer stations, by the unit that runs them."""

from django.contrib import admin

from gridcare.backoffice.scoping import UnitScopedAdmin
from gridcare.backoffice.site import admin_site
from gridcare.network.models import Feeder, Substation, TransformerStation


@admin.register(Substation, site=admin_site)
class SubstationAdmin(UnitScopedAdmin):
    list_display = ("code", "name", "voltage_kv", "unit")
    list_select_related = ("unit",)
    search_fields = ("code", "name")
    ordering = ("code", "pk")


@admin.register(Feeder, site=admin_site)
class FeederAdmin(UnitScopedAdmin):
    list_display = ("code", "name", "voltage_kv", "substation", "unit")
    list_select_related = ("substation", "unit")
    search_fields = ("code", "name")
    autocomplete_fields = ("substation",)
    ordering = ("code", "pk")


@admin.register(TransformerStation, site=admin_site)
class TransformerStationAdmin(UnitScopedAdmin):
    list_display = ("code", "name", "capacity_kva", "feeder", "commune", "unit", "customer_owned")
    list_select_related = ("feeder", "commune", "unit")
    list_filter = ("customer_owned",)
    search_fields = ("code", "name")
    autocomplete_fields = ("feeder", "commune")
    ordering = ("code", "pk")
