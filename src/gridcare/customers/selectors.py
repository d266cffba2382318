"""Reads of customers and their accounts, as the portal and the API need them."""

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from gridcare.core.models import AuditEntry
from gridcare.customers.models import Account, Customer
from gridcare.org.models import Commune, StaffMembership


def customer_for_user(*, user) -> Customer | None:
    """The customer a signed-in user is, or None for staff and anonymous users."""
    if user is None or not user.is_authenticated:
        return None
    return Customer.objects.filter(user=user).order_by("pk").first()


def accounts_for_user(*, user) -> QuerySet[Account]:
    """The accounts (contracts) of the customer a user is, with their addresses; none for anyone else."""
    if user is None or not user.is_authenticated:
        return Account.objects.none()
    return (
        Account.objects.filter(customer__user=user)
        .select_related("customer", "premise__commune", "premise__province")
        .order_by("code", "pk")
    )


def account_for_user(*, user, code: str) -> Account | None:
    """One of the user's own accounts by customer code; None when it is not theirs or does not exist."""
    return accounts_for_user(user=user).filter(code=code.strip().upper()).first()


# --- reach of staff (registered in `org.policy.RECORDS` by the app's ready()) ----------------------------


def customers_within_units(queryset: QuerySet[Customer], *, user, unit_ids: list[int]) -> QuerySet[Customer]:
    """Customers with an account in the units, and those without any account yet that staff of the units created.

    A customer without an account belongs to no unit: the audit log's "create" entry says whose it is.
    """
    has_account_here = Exists(Account.objects.filter(customer=OuterRef("pk"), unit__in=unit_ids))
    has_account = Exists(Account.objects.filter(customer=OuterRef("pk")))
    created_here = Exists(
        AuditEntry.objects.filter(
            object_type="customers.customer", action=AuditEntry.Action.CREATE,
            object_id=Cast(OuterRef("pk"), CharField()), actor__staff_membership__unit__in=unit_ids,
        )
    )  # fmt: skip
    return queryset.filter(Q(has_account_here) | (~Q(has_account) & Q(created_here)))


def premises_within_units(queryset, *, user, unit_ids: list[int]):
    """Premises in the communes the units serve, or used by their accounts."""
    served = Commune.objects.filter(units__in=unit_ids).values("pk")
    used = Exists(Account.objects.filter(premise=OuterRef("pk"), unit__in=unit_ids))
    return queryset.filter(Q(commune__in=served) | Q(used))


def social_categories_within_units(queryset, *, user, unit_ids: list[int]):
    """Social categories of customers with an account in the units."""
    return queryset.filter(Exists(Account.objects.filter(customer=OuterRef("customer_id"), unit__in=unit_ids)))


def users_within_units(queryset, *, user, unit_ids: list[int]):
    """Staff of the units and portal users whose customer has an account there; never a superuser.

    A user attached to no unit and no customer is for superusers only (the back office attaches the staff
    logins it creates to their creator's unit at once).
    """
    staff_here = Exists(StaffMembership.objects.filter(user=OuterRef("pk"), unit__in=unit_ids))
    customer_here = Exists(Account.objects.filter(customer__user=OuterRef("pk"), unit__in=unit_ids))
    return queryset.filter(is_superuser=False).filter(Q(staff_here) | Q(customer_here))
