"""Builders for outage tests: a second feeder and stations on top of the shared small utility."""

import datetime as dt

from gridcare.network.models import Feeder, TransformerStation
from gridcare.notifications.models import OutboxMessage
from gridcare.notifications.selectors import outbox_message_text

# 10:00 on Tuesday 10 March 2026 in Asia/Ho_Chi_Minh.
NOW = dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.UTC)
HCM = dt.timezone(dt.timedelta(hours=7))


def local(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=HCM)


def second_feeder(world):
    """Feeder 472 of the same substation, with one station in Ninh Kiều (served by the first team)."""
    feeder = Feeder.objects.create(
        substation=world["feeder"].substation, unit=world["company"], code="472-CT1", name="Lộ 472"
    )
    station = TransformerStation.objects.create(
        feeder=feeder, unit=world["teams"][0], commune=world["communes"][0], code="T-NK-2", name="TBA Ninh Kiều 2",
        capacity_kva=250,
    )  # fmt: skip
    return feeder, station


def move_to_station(acct, station):
    acct.service_points.update(transformer_station=station)
    return acct


def messages(notice, **filters):
    return OutboxMessage.objects.filter(notice=notice, **filters).select_related(
        "account__customer", "notice"
    )


def text_of(notice, account, channel):
    message = OutboxMessage.objects.select_related("account__customer", "notice").get(
        notice=notice, account=account, channel=channel
    )
    return outbox_message_text(message=message)
