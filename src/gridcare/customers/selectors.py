"""Reads of customers and their accounts, as the portal and the API need them."""

from django.db.models import QuerySet

from gridcare.customers.models import Account, Customer


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
