"""Delivery channels behind one interface: `adapter_for(channel).open()` gives a sender with `send(message)`."""

from gridcare.notifications.channels.base import Adapter, OutgoingMessage, SendResult


def adapter_for(channel: str) -> Adapter:
    """The adapter of a channel (imported lazily so that unused providers cost nothing)."""
    if channel == "email":
        from gridcare.notifications.channels.email import EmailAdapter

        return EmailAdapter()
    if channel == "sms":
        from gridcare.notifications.channels.sms import SmsAdapter

        return SmsAdapter()
    if channel == "zalo":
        from gridcare.notifications.channels.zalo import ZnsAdapter

        return ZnsAdapter()
    if channel == "push":
        from gridcare.notifications.channels.webpush import WebPushAdapter

        return WebPushAdapter()
    raise ValueError(f"no adapter for channel {channel!r}")


__all__ = ["Adapter", "OutgoingMessage", "SendResult", "adapter_for"]
