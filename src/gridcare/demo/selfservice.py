"""Demo data of the customer's own account pages: a landlord whose sign-in uses two contracts, contact-change
history in every state, and bill delivery choices (app, e-mail, Zalo, paper) on part of the demo company.

Deterministic and set-based (one UPDATE per choice, one bulk insert of the bills preferences); skipped when the
landlord's link exists.
"""

import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Mod

from gridcare.core.audit import acting_as
from gridcare.core.models import User
from gridcare.customers.models import Account, AccountLink, BillDelivery, ContactChange, Purpose
from gridcare.demo import places
from gridcare.demo.services import CUSTOMER_PASSWORD
from gridcare.notifications.models import Channel, Preference, PushSubscription, Topic

# Which channels a choice keeps for the bills topic (as `notifications.selfservice.bill_delivery_set` stores them).
CHOICE_CHANNELS = {
    BillDelivery.APP: {Channel.INBOX, Channel.PUSH},
    BillDelivery.EMAIL: {Channel.INBOX, Channel.EMAIL},
    BillDelivery.ZALO: {Channel.INBOX, Channel.ZALO},
    BillDelivery.PAPER: {Channel.INBOX, Channel.SMS},
}


def _demo_accounts():
    return Account.objects.filter(unit__code__startswith=f"{places.COMPANY_CODE}-").exclude(
        status=Account.Status.CLOSED
    )


def demo_landlord() -> tuple[Account, Account] | None:
    """The landlord's own contract and the tenant's contract linked to the landlord's sign-in, once loaded."""
    link = (
        AccountLink.objects.filter(account__unit__code__startswith=f"{places.COMPANY_CODE}-")
        .select_related("account__customer", "user__customer")
        .order_by("pk")
        .first()
    )
    if link is None:
        return None
    own = Account.objects.filter(customer__user=link.user).select_related("customer").order_by("code").first()
    return (own, link.account) if own is not None else None


@transaction.atomic
def demo_selfservice_load(*, now: dt.datetime) -> int:
    """Write the landlord, the contact history and the bill choices (once); returns the bill choices made."""
    if demo_landlord() is not None:
        return 0
    homes = (
        _demo_accounts()
        .filter(
            purpose=Purpose.RESIDENTIAL, households=1, customer__kind="person", customer__user__isnull=True
        )
        .exclude(phone="")
        .order_by("unit__code", "pk")
    )
    own = homes[10:11].first()  # past the first ones, which the household demo login may take
    tenant = homes.exclude(customer=own.customer).filter(pk__gt=own.pk).first() if own is not None else None
    if tenant is None:
        return 0
    with acting_as(reason="demo: cổng khách hàng tự phục vụ"):
        user = User(username=own.code)
        user.set_password(CUSTOMER_PASSWORD)
        user.save()
        customer = own.customer
        customer.user = user
        customer.save(update_fields=["user"])
        AccountLink.objects.create(user=user, account=tenant, verified_at=now - dt.timedelta(days=40),
                                   created_at=now - dt.timedelta(days=40))  # fmt: skip
        old_email = own.email
        own.email = f"chunha.{own.code.lower()}@example.vn"
        own.save(update_fields=["email"])
        ContactChange.objects.bulk_create([
            ContactChange(account=own, kind=ContactChange.Kind.EMAIL, old_value=old_email, new_value=own.email,
                          status=ContactChange.Status.CONFIRMED, requested_at=now - dt.timedelta(days=30),
                          confirmed_at=now - dt.timedelta(days=30, minutes=-12), requested_by=user),
            ContactChange(account=own, kind=ContactChange.Kind.PHONE, old_value=own.phone, new_value="+84939000111",
                          status=ContactChange.Status.SUPERSEDED, requested_at=now - dt.timedelta(days=3),
                          requested_by=user),
            ContactChange(account=own, kind=ContactChange.Kind.PHONE, old_value=own.phone, new_value="+84939000112",
                          status=ContactChange.Status.PENDING, requested_at=now - dt.timedelta(days=3, minutes=-5),
                          requested_by=user),
            ContactChange(account=tenant, kind=ContactChange.Kind.ZALO, old_value="",
                          new_value=f"phone:{tenant.phone}", status=ContactChange.Status.CONFIRMED,
                          requested_at=now - dt.timedelta(days=20), confirmed_at=now - dt.timedelta(days=20),
                          requested_by=user),
        ])  # fmt: skip
        Account.objects.filter(pk=tenant.pk).update(zalo_user_id=f"phone:{tenant.phone}")
        return _bill_choices(own=own, tenant=tenant)


def _bill_choices(*, own: Account, tenant: Account) -> int:
    """Some accounts of each kind of choice, by id (set-based), each with its contact present; the landlord's two."""
    accounts = _demo_accounts().annotate(slot=Mod(F("pk"), 20))
    has_push = PushSubscription.objects.filter(active=True).values("account_id")
    picks = {
        BillDelivery.EMAIL: accounts.filter(slot__in=[1, 2, 3]).exclude(email=""),
        BillDelivery.ZALO: accounts.filter(slot__in=[4, 5]).exclude(Q(zalo_user_id="") | Q(phone="")),
        BillDelivery.APP: accounts.filter(pk__in=has_push, slot__in=[6, 7, 8]),
        BillDelivery.PAPER: accounts.filter(slot__in=[9, 10]).exclude(phone=""),
    }
    chosen: dict[int, str] = {}
    for choice, queryset in picks.items():
        for pk in queryset.values_list("pk", flat=True):
            chosen.setdefault(pk, choice)
    chosen[own.pk] = BillDelivery.EMAIL
    chosen[tenant.pk] = BillDelivery.PAPER
    for choice in BillDelivery.values:
        ids = [pk for pk, value in chosen.items() if value == choice]
        Account.objects.filter(pk__in=ids).update(bill_delivery=choice)
    Preference.objects.filter(account_id__in=list(chosen), topic=Topic.BILLS).delete()
    Preference.objects.bulk_create(
        [
            Preference(
                account_id=pk, topic=Topic.BILLS, channel=channel, enabled=channel in CHOICE_CHANNELS[choice]
            )
            for pk, choice in sorted(chosen.items())
            for channel in Channel.values
        ],
        batch_size=2000,
    )
    return len(chosen)
