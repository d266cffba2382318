"""Reads of the demo utility."""

from gridcare.customers.models import Account, Purpose
from gridcare.demo import places
from gridcare.org.models import Unit


def database_has_units() -> bool:
    """Whether any unit exists (then `demo-data --if-empty` leaves the database alone)."""
    return Unit.objects.exists()


def demo_login_accounts() -> dict[str, Account | None]:
    """The accounts that get demo portal logins: a one-household home and a time-of-use business.

    The first team's (Ninh Kieu's) accounts come first, since team codes sort in team order.
    """
    demo = Account.objects.filter(unit__code__startswith=f"{places.COMPANY_CODE}-").select_related("customer")
    household = (
        demo.filter(purpose=Purpose.RESIDENTIAL, households=1, customer__kind="person")
        .exclude(phone="")
        .order_by("unit__code", "pk")
        .first()
    )
    business = (
        demo.filter(
            purpose=Purpose.BUSINESS,
            meter_installations__removed_on__isnull=True,
            meter_installations__meter__time_of_use=True,
        )
        .order_by("unit__code", "pk")
        .first()
    )
    return {"household": household, "business": business}
