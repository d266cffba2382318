"""Writes of the notifications area, one job per module; this package re-exports their public names.

- `fanout`: `notify` (the one call other areas make) and `notify_address`; `recipients` stages who gets a notice.
- `quiet_hours`: when a message that buzzes a phone waits for the morning.
- `preferences`: channels chosen per topic; `push_subscriptions`: browsers' Web Push subscriptions.
- `otp`: one-time codes; `alerts`: consumption alerts.
- `rate_limits`: providers' send slots shared by all workers; `provider_tokens`: providers' OAuth tokens.
- `outbox`: the outbox's state machine (claim, lease, sent, failed, retried, requeued).
- `base`: the refusal every module raises (`NotificationError`).

Callers import from `gridcare.notifications.services` as before. A test that replaces a function for one caller
patches it where that caller looks it up (`gridcare.notifications.services.otp.notify`), not here.
"""

from gridcare.notifications.services.alerts import consumption_alert_set, consumption_alerts_evaluate
from gridcare.notifications.services.base import NotificationError
from gridcare.notifications.services.fanout import ALL_CHANNELS, DELIVER_TO, notify, notify_address
from gridcare.notifications.services.otp import OTP_GLOBAL_WINDOW, otp_issue, otp_request, otp_verify
from gridcare.notifications.services.outbox import (
    inbox_mark_read,
    outbox_claim,
    outbox_lease_extend,
    outbox_mark_failed,
    outbox_mark_sent,
    outbox_mark_sent_many,
    outbox_release_expired,
    outbox_requeue,
)
from gridcare.notifications.services.preferences import (
    SWITCH_OFF_ALLOWED_TOPICS,
    account_contact_channels,
    preferences_set,
)
from gridcare.notifications.services.provider_tokens import provider_tokens_store
from gridcare.notifications.services.push_subscriptions import push_subscription_add, subscription_deactivate
from gridcare.notifications.services.quiet_hours import INTRUSIVE_CHANNELS, quiet_until
from gridcare.notifications.services.rate_limits import delivery_schedule_claim, rate_rebook, rate_reserve
from gridcare.notifications.services.recipients import RecipientNumbers

__all__ = [
    "ALL_CHANNELS",
    "DELIVER_TO",
    "INTRUSIVE_CHANNELS",
    "OTP_GLOBAL_WINDOW",
    "SWITCH_OFF_ALLOWED_TOPICS",
    "NotificationError",
    "RecipientNumbers",
    "account_contact_channels",
    "consumption_alert_set",
    "consumption_alerts_evaluate",
    "delivery_schedule_claim",
    "inbox_mark_read",
    "notify",
    "notify_address",
    "otp_issue",
    "otp_request",
    "otp_verify",
    "outbox_claim",
    "outbox_lease_extend",
    "outbox_mark_failed",
    "outbox_mark_sent",
    "outbox_mark_sent_many",
    "outbox_release_expired",
    "outbox_requeue",
    "preferences_set",
    "provider_tokens_store",
    "push_subscription_add",
    "quiet_until",
    "rate_rebook",
    "rate_reserve",
    "subscription_deactivate",
]
