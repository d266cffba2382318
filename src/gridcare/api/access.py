"""Who may read what through the API: a customer their own accounts, staff what their units serve."""

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication

from gridcare.customers.models import Account
from gridcare.customers.selectors import accounts_for_user, accounts_visible, customer_for_user
from gridcare.org import policy


def is_staff(user) -> bool:
    return policy.is_active_staff(user)


def accounts_visible_to(*, user) -> QuerySet[Account]:
    """A customer's own accounts, or for staff the accounts of their units (all for superusers)."""
    if is_staff(user):
        return (
            accounts_visible(user=user)
            .select_related("customer", "unit", "premise__commune", "premise__province")
            .order_by("code", "pk")
        )
    return accounts_for_user(user=user).select_related("unit")


class IsCustomerOrVerifiedStaff(permissions.BasePermission):
    """A signed-in customer, or a staff member (by token, or by a session that passed two-factor sign-in)."""

    message = _("Chỉ khách hàng hoặc nhân viên đã xác thực hai bước mới dùng được API này.")
    code = "permission_denied"

    def has_permission(self, request, view):
        user = request.user
        if is_staff(user):
            if settings.GRIDCARE_STAFF_REQUIRE_2FA and isinstance(
                request.successful_authenticator, SessionAuthentication
            ):
                is_verified = getattr(user, "is_verified", None)
                return bool(is_verified and is_verified())
            return True
        return customer_for_user(user=user) is not None


class IsCustomer(permissions.BasePermission):
    """A signed-in customer of the portal (staff use /accounts instead)."""

    message = _("Địa chỉ này dành cho khách hàng; nhân viên hãy dùng /api/v1/accounts.")
    code = "not_a_customer"

    def has_permission(self, request, view):
        return not is_staff(request.user) and customer_for_user(user=request.user) is not None
