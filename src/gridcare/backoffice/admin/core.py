"""Users and the read-only audit log."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q

from gridcare.backoffice.scoping import CappedCountPaginator, request_unit_ids
from gridcare.backoffice.site import admin_site
from gridcare.core.admin_mixins import ReadOnlyAdminMixin
from gridcare.core.models import AuditEntry, User
from gridcare.customers.models import Account
from gridcare.org.models import StaffMembership, StaffRole


def is_administrator(user) -> bool:
    """Superusers, and staff whose role is administrator."""
    if not user.is_active or not user.is_staff:
        return False
    if user.is_superuser:
        return True
    return StaffMembership.objects.filter(user=user, role=StaffRole.ADMINISTRATOR).exists()


@admin.register(User, site=admin_site)
class GridcareUserAdmin(UserAdmin):
    """Users of the unit's staff and customers; only superusers grant superuser rights or groups."""

    list_display = ("username", "first_name", "last_name", "email", "is_staff", "is_active")
    show_full_result_count = False
    ordering = ("username",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = request_unit_ids(request)
        if ids is None:
            return queryset
        staff_here = Exists(StaffMembership.objects.filter(user=OuterRef("pk"), unit__in=ids))
        any_staff = Exists(StaffMembership.objects.filter(user=OuterRef("pk")))
        customer_here = Exists(Account.objects.filter(customer__user=OuterRef("pk"), unit__in=ids))
        any_customer = Exists(Account.objects.filter(customer__user=OuterRef("pk")))
        # Users not yet attached to a unit or a customer stay visible so that a new login can be finished.
        return queryset.filter(is_superuser=False).filter(
            Q(staff_here) | Q(customer_here) | (~Q(any_staff) & ~Q(any_customer))
        )

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
