"""Quiet hours: when a message that buzzes a phone waits for the morning."""

import datetime as dt

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.notifications import conf
from gridcare.notifications.models import Channel

# Channels that buzz a phone: they wait for the end of quiet hours unless the notice is urgent.
INTRUSIVE_CHANNELS = (Channel.PUSH, Channel.SMS, Channel.ZALO)


def quiet_until(*, now: dt.datetime) -> dt.datetime | None:
    """The end of the current quiet period when `now` is inside one, else None."""
    start, end = conf.quiet_hours()
    if start == end:
        return None
    local = now.astimezone(BUSINESS_TZ)
    inside = (start <= local.hour or local.hour < end) if start > end else (start <= local.hour < end)
    if not inside:
        return None
    day = local.date() if local.hour < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(end), tzinfo=BUSINESS_TZ)
