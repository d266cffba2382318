"""Reads of the demo utility."""

from django.conf import settings

from gridcare.billing.models import Bill
from gridcare.customers.models import Account, Purpose
from gridcare.demo import places
from gridcare.notifications import conf
from gridcare.org.models import Unit


def database_has_units() -> bool:
    """Whether any unit exists (then `demo-data --if-empty` leaves the database alone)."""
    return Unit.objects.exists()


def demo_login_accounts() -> dict[str, Account | None]:
    """The accounts that get demo portal logins: a one-household home with a smart meter and a time-of-use business.

    The first team's (Ninh Kieu's) accounts come first, since team codes sort in team order.
    """
    demo = Account.objects.filter(unit__code__startswith=f"{places.COMPANY_CODE}-").select_related("customer")
    household = (
        demo.filter(
            purpose=Purpose.RESIDENTIAL,
            households=1,
            customer__kind="person",
            meter_installations__removed_on__isnull=True,
            meter_installations__meter__kind="smart",
        )  # fmt: skip
        .exclude(phone="")
        .order_by("unit__code", "pk")
        .first()
    )
    business = (
        demo.filter(
            purpose=Purpose.BUSINESS,
            meter_installations__removed_on__isnull=True,
            meter_installations__meter__time_of_use=True,
            meter_installations__meter__kind="smart",
        )
        .order_by("unit__code", "pk")
        .first()
    )
    return {"household": household, "business": business}


def unconnected_providers() -> list[tuple[str, str]]:
    """(Vietnamese, English) names of the message providers this installation has no connection for.

    SMS and Zalo need their gateway's settings (docs/notifications.md); e-mail needs a mail server other
    than the default one on this machine, or a backend that is not SMTP.
    """
    missing = []
    if not conf.setting("SMS_URL", ""):
        missing.append(("SMS", "SMS"))
    if not conf.setting("ZNS_APP_ID", ""):
        missing.append(("Zalo", "Zalo"))
    smtp = settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    if smtp and settings.EMAIL_HOST in ("127.0.0.1", "localhost", ""):
        missing.append(("e-mail", "e-mail"))
    return missing


def held_bills_count() -> int:
    """Bills of the demo company waiting for review."""
    return Bill.objects.filter(
        status=Bill.Status.HELD, account__unit__code__startswith=f"{places.COMPANY_CODE}-"
    ).count()
