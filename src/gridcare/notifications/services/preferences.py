"""Customers' choices of channels per topic, and which channels can reach a contract at all."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gridcare.customers.models import Account
from gridcare.notifications.models import CHOOSABLE_TOPICS, Channel, Preference, PushSubscription, Topic
from gridcare.notifications.services.base import NotificationError


def account_contact_channels(*, account: Account) -> set[str]:
    """Channels whose contact details exist for the account (a channel that could reach them)."""
    reachable = set()
    if account.email:
        reachable.add(Channel.EMAIL)
    if account.phone:
        reachable.add(Channel.SMS)
        if account.zalo_user_id:
            reachable.add(Channel.ZALO)
    if PushSubscription.objects.filter(account=account, active=True).exists():
        reachable.add(Channel.PUSH)
    if account.customer.user_id is not None or account.links.exists():
        reachable.add(Channel.INBOX)
    return reachable


# Topics a customer may switch off entirely (marketing, not a service notice). Every other topic is a
# service notice (bills, payments, outages, service requests, demand response, alerts the customer set):
# it keeps at least one channel that reaches the customer outside the portal.
SWITCH_OFF_ALLOWED_TOPICS = frozenset({Topic.PROGRAMMES})


@transaction.atomic
def preferences_set(*, account: Account, topic: str, channels: Iterable[str]) -> list[Preference]:
    """Choose the channels of one topic; refuses a choice that leaves a service notice unable to reach the customer.

    At least one chosen channel of a service notice must reach the customer outside the portal (push,
    e-mail, SMS or Zalo with its contact present); when none can, the customer keeps SMS or paper at the
    counter. "Programmes and news" may be switched off on every channel.
    """
    if topic not in [t.value for t in CHOOSABLE_TOPICS]:
        raise NotificationError(
            "unknown_topic", str(_("Chủ đề không tồn tại: %(topic)s.") % {"topic": topic})
        )
    chosen = set(channels)
    unknown = chosen - set(Channel.values)
    if unknown:
        raise NotificationError(
            "unknown_channel", str(_("Kênh không tồn tại: %(c)s.") % {"c": ", ".join(sorted(unknown))})
        )
    reachable = account_contact_channels(account=account) - {Channel.INBOX}
    if topic not in SWITCH_OFF_ALLOWED_TOPICS and reachable and not (chosen & reachable):
        names = ", ".join(str(Channel(c).label) for c in sorted(reachable))
        raise NotificationError(
            "no_reachable_channel",
            str(_("«%(topic)s» là thông báo dịch vụ: cần giữ ít nhất một kênh liên lạc được với quý khách ngoài cổng "
                  "khách hàng (%(c)s). Chỉ «%(optional)s» mới tắt hẳn được.")
                % {"topic": Topic(topic).label, "c": names, "optional": Topic.PROGRAMMES.label}),
            reachable=sorted(reachable),
        )  # fmt: skip
    rows = []
    for channel in Channel.values:
        pref, _created = Preference.objects.update_or_create(
            account=account, topic=topic, channel=channel, defaults={"enabled": channel in chosen}
        )
        rows.append(pref)
    return rows
