"""Provinces, communes/wards, units and staff memberships."""

from django.contrib import admin

from gridcare.backoffice.scoping import UnitScopedAdmin
from gridcare.backoffice.site import admin_site
from gridcare.org import services
from gridcare.org.models import Commune, Province, StaffMembership, StaffRole, Unit


@admin.register(Province, site=admin_site)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
    ordering = ("code",)


@admin.register(Commune, site=admin_site)
class CommuneAdmin(admin.ModelAdmin):
    """Communes/wards; staff see those their units serve."""

    list_display = ("code", "name", "kind", "province")
    list_filter = ("kind", "province")
    list_select_related = ("province",)
    search_fields = ("code", "name")
    ordering = ("province__code", "code")
    show_full_result_count = False


@admin.register(Unit, site=admin_site)
class UnitAdmin(UnitScopedAdmin):
    """The unit tree; a unit's parent is fixed once created (its path names every ancestor)."""

    list_display = ("code", "name", "kind", "parent", "customer_code_prefix")
    list_select_related = ("parent",)
    list_filter = ("kind",)
    search_fields = ("code", "name")
    ordering = ("path", "pk")
    autocomplete_fields = ("communes",)

    def get_readonly_fields(self, request, obj=None):
        return ("parent",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        services.unit_save(unit=obj)


@admin.register(StaffMembership, site=admin_site)
class StaffMembershipAdmin(UnitScopedAdmin):
    """A staff user's unit and role; saving gives the user exactly that role's permission group."""

    list_display = ("user", "unit", "role")
    list_select_related = ("user", "unit")
    list_filter = ("role",)
    search_fields = ("user__username", "user__last_name", "user__first_name")
    raw_id_fields = ("user",)
    ordering = ("unit__path", "user__username", "pk")

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            # The catalogue role is national: only a superuser grants it.
            kwargs["choices"] = [
                (value, label) for value, label in StaffRole.choices if value != StaffRole.CATALOGUE
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        form.instance = services.staff_membership_set(user=obj.user, unit=obj.unit, role=obj.role)
