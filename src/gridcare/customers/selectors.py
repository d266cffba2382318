"""Reads of customers and their accounts, as the portal and the API need them."""

from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from gridcare.core.models import AuditEntry
from gridcare.customers.models import (
    Account,
    AccountLink,
    BillDelivery,
    ContactChange,
    Customer,
    ServicePoint,
)
from gridcare.org import policy
from gridcare.org.models import Commune, StaffMembership


def customer_for_user(*, user) -> Customer | None:
    """The customer a signed-in user is, or None for staff and anonymous users."""
    if user is None or not user.is_authenticated:
        return None
    return Customer.objects.filter(user=user).order_by("pk").first()


def accounts_for_user(*, user) -> QuerySet[Account]:
    """The accounts (contracts) a user may use: their customer's own and those linked to their login; none for anyone else."""
    if user is None or not user.is_authenticated:
        return Account.objects.none()
    linked = AccountLink.objects.filter(user=user).values("account_id")
    return (
        Account.objects.filter(Q(customer__user=user) | Q(pk__in=linked))
        .select_related("customer", "premise__commune", "premise__province")
        .order_by("code", "pk")
    )


def account_for_user(*, user, code: str) -> Account | None:
    """One of the user's own accounts by customer code; None when it is not theirs or does not exist."""
    return accounts_for_user(user=user).filter(code=code.strip().upper()).first()


def account_links_for_user(*, user) -> QuerySet[AccountLink]:
    """The contracts of other customers linked to this login (they can be unlinked), by code."""
    if user is None or not user.is_authenticated:
        return AccountLink.objects.none()
    return (
        AccountLink.objects.filter(user=user)
        .select_related("account__premise__commune")
        .order_by("account__code", "pk")
    )


def account_is_owned_by(*, user, account: Account) -> bool:
    """Whether the login is the contract holder's own (not a link)."""
    return user is not None and user.is_authenticated and account.customer.user_id == user.pk


def contact_changes_for_account(*, account: Account, limit: int = 20) -> QuerySet[ContactChange]:
    """The account's contact changes, newest first."""
    return ContactChange.objects.filter(account=account).order_by("-requested_at", "-pk")[:limit]


def pending_contact_change(*, account: Account, kind: str) -> ContactChange | None:
    """The newest change of this kind still waiting for its confirmation, if any."""
    return (
        ContactChange.objects.filter(account=account, kind=kind, status=ContactChange.Status.PENDING)
        .order_by("-requested_at", "-pk")
        .first()
    )


def bill_delivery_counts(*, unit_ids: list[int] | None = None, by_unit: bool = False) -> dict:
    """How the active (not closed) contracts chose to receive bills: {"app", "email", "zalo", "paper", "unchosen", "total"}.

    For the digital-adoption figures: app, e-mail and Zalo are electronic bills, paper is printed for the counter,
    "unchosen" follows the notification defaults. With `by_unit`: {unit_id: {...}} (one grouped query either way).
    """
    accounts = Account.objects.exclude(status=Account.Status.CLOSED)
    if unit_ids is not None:
        accounts = accounts.filter(unit_id__in=list(unit_ids))
    keys = ("unit_id", "bill_delivery") if by_unit else ("bill_delivery",)
    rows = accounts.values(*keys).annotate(n=Count("pk")).order_by(*keys)
    empty = {**dict.fromkeys(BillDelivery.values, 0), "unchosen": 0, "total": 0}
    result: dict = {}
    for row in rows:
        counts = result.setdefault(row["unit_id"] if by_unit else None, dict(empty))
        counts[row["bill_delivery"] or "unchosen"] += row["n"]
        counts["total"] += row["n"]
    return result if by_unit else result.get(None, dict(empty))


def paper_bill_accounts(*, unit_ids: list[int] | None = None) -> QuerySet[Account]:
    """Active contracts whose customer asked for a paper bill at the counter (the bills to print), by code."""
    accounts = Account.objects.exclude(status=Account.Status.CLOSED).filter(bill_delivery=BillDelivery.PAPER)
    if unit_ids is not None:
        accounts = accounts.filter(unit_id__in=list(unit_ids))
    return accounts.order_by("code", "pk")


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
    return queryset.filter(
        Exists(Account.objects.filter(customer=OuterRef("customer_id"), unit__in=unit_ids))
    )


def users_within_units(queryset, *, user, unit_ids: list[int]):
    """Staff of the units and portal users whose customer has an account there; never a superuser.

    A user attached to no unit and no customer is for superusers only (the back office attaches the staff
    logins it creates to their creator's unit at once).
    """
    staff_here = Exists(StaffMembership.objects.filter(user=OuterRef("pk"), unit__in=unit_ids))
    customer_here = Exists(Account.objects.filter(customer__user=OuterRef("pk"), unit__in=unit_ids))
    return queryset.filter(is_superuser=False).filter(Q(staff_here) | Q(customer_here))


def account_by_code(*, code: str) -> Account | None:
    """The account of a customer code (with its customer and login), or None."""
    return Account.objects.select_related("customer__user").filter(code=code).first()


def accounts_visible(*, user) -> QuerySet[Account]:
    """The accounts a staff member may see (`org.policy`)."""
    return policy.records(Account.objects.all(), user=user)


def service_points_visible(*, user) -> QuerySet[ServicePoint]:
    """The service points a staff member may see (`org.policy`)."""
    return policy.records(ServicePoint.objects.all(), user=user)


def customers_matching(*, match: Q) -> QuerySet[Customer]:
    """Customers matching a search condition (the back office's search builds it)."""
    return Customer.objects.filter(match)


def account_ids_by_code_or_phone(*, code: str, phone: str | None) -> set[int]:
    """Accounts whose code is `code` or whose phone is `phone` (normalised): two index lookups."""
    ids = set(Account.objects.filter(code=code).values_list("pk", flat=True))
    if phone:
        ids.update(Account.objects.filter(phone=phone).values_list("pk", flat=True))
    return ids


def customers_named_from(*, folded: str) -> QuerySet[Customer]:
    """Customers whose folded name (no diacritics, lower case) starts with `folded`."""
    return Customer.objects.filter(search_name__startswith=folded)


def customer_ids_of_accounts(*, match: Q) -> QuerySet:
    """The customer ids (a values queryset, for `pk__in`) of the accounts matching `match`."""
    return Account.objects.filter(match).values("customer_id")
