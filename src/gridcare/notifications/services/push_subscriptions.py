"""Browsers' Web Push subscriptions: registered by the portal, switched off when the push service says gone."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gridcare.core.audit import audit_record
from gridcare.customers.models import Account
from gridcare.notifications.models import PushSubscription
from gridcare.notifications.pushendpoints import push_endpoint_allowed
from gridcare.notifications.services.base import NotificationError


@transaction.atomic
def push_subscription_add(
    *, account: Account, endpoint: str, p256dh: str, auth: str, now: dt.datetime
) -> PushSubscription:
    """Register (or re-activate) a browser's Web Push subscription for the account.

    Only endpoints of known push services are accepted (`pushendpoints`). An endpoint already registered
    for another customer is never moved: the existing subscription is returned unchanged (the caller
    answers as if registered, revealing nothing) and the attempt is audited. Between the accounts of one
    customer the browser moves, as before.
    """
    if not push_endpoint_allowed(endpoint):
        raise NotificationError(
            "push_endpoint_refused", str(_("Địa chỉ dịch vụ thông báo đẩy không được chấp nhận."))
        )
    existing = (
        PushSubscription.objects.select_for_update()
        .select_related("account")
        .filter(endpoint=endpoint)
        .first()
    )
    if existing is not None and existing.account.customer_id != account.customer_id:
        audit_record(
            action="update", object_type="notifications.pushsubscription", object_id=existing.pk,
            after={"refused_account": account.pk}, now=now,
            reason=f"push_subscription_takeover_refused: kept for account {existing.account_id}",
        )  # fmt: skip
        return existing
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"account": account, "p256dh": p256dh, "auth": auth, "active": True, "created_at": now},
    )
    return subscription


def subscription_deactivate(*, endpoint: str) -> None:
    """Stop using a Web Push subscription the push service reported gone (404/410)."""
    PushSubscription.objects.filter(endpoint=endpoint).update(active=False)
