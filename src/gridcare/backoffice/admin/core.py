"""Users and the read-only audit log."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from gridcare.backoffice.scoping import CappedCountPaginator
from gridcare.backoffice.site import admin_site
from gridcare.core.admin_mixins import ReadOnlyAdminMixin
from gridcare.core.models import AuditEntry, User
from gridcare.org import policy
from gridcare.org.models import StaffRole
from gridcare.org.selectors import staff_membership_of
from gridcare.org.services import staff_membership_set


def is_administrator(user) -> bool:
    """Superusers, and staff whose role is administrator (`org.policy`'s "staff.administer")."""
    return policy.is_active_staff(user) and policy.may(user=user, action="staff.administer")


@admin.register(User, site=admin_site)
class GridcareUserAdmin(UserAdmin):
    """Users of the unit's staff and customers (`org.policy`); only superusers grant superuser rights or groups."""

    list_display = ("username", "first_name", "last_name", "email", "is_staff", "is_active")
    show_full_result_count = False
    ordering = ("username",)

    # Which users a staff member sees is `org.policy`'s (staff of their units, their units' customers).

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        membership = staff_membership_of(user=request.user)
        if not change and not request.user.is_superuser and membership is not None:
            # A login made by a unit's administrator is a staff member of that unit from the start (a viewer
            # until given a role), so that it is never an unattached user other units could reach.
            staff_membership_set(user=obj, unit=membership.unit, role=StaffRole.VIEWER)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "is_staff", "groups", "user_permissions", "last_login", "date_joined"]
        return fields


admin_site.register(Group, GroupAdmin)


@admin.register(AuditEntry, site=admin_site)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log, read only, for administrators."""

    list_display = ("at", "actor_label", "action", "object_type", "object_id", "address", "reason")
    list_filter = (("at", admin.DateFieldListFilter), "action")
    search_fields = ("=object_id", "=actor_label", "=object_type")
    ordering = ("-at", "-pk")
    show_full_result_count = False
    paginator = CappedCountPaginator
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user) and super().has_view_permission(request, obj)
