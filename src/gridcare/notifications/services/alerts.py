"""Consumption alerts: a customer's threshold, and the scan that alerts those whose latest period crosses it."""

import datetime as dt

import numpy as np
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gridcare.customers.models import Account
from gridcare.notifications.models import ConsumptionAlert, Notice, Topic
from gridcare.notifications.services.base import NotificationError
from gridcare.notifications.services.fanout import notify


@transaction.atomic
def consumption_alert_set(
    *, account: Account, kind: str, threshold: int, active: bool = True
) -> ConsumptionAlert:
    """Set (or switch off) the account's consumption alert."""
    if kind not in ConsumptionAlert.Kind.values:
        raise NotificationError("alert_kind", str(_("Loại cảnh báo không hợp lệ.")))
    if int(threshold) <= 0 or (kind == ConsumptionAlert.Kind.PERCENT and int(threshold) > 1000):
        raise NotificationError(
            "alert_threshold", str(_("Ngưỡng cảnh báo phải là số dương (tối đa 1000 phần trăm)."))
        )
    alert, _created = ConsumptionAlert.objects.update_or_create(
        account=account, defaults={"kind": kind, "threshold": int(threshold), "active": active}
    )
    return alert


def consumption_alerts_evaluate(*, since: dt.date, now: dt.datetime) -> Notice | None:
    """Alert every account whose latest period (read on or after `since`) crosses its threshold, once per reading."""
    from gridcare.notifications.selectors import period_consumption_for_alerts

    periods = period_consumption_for_alerts(since=since)
    if not len(periods["account_id"]):
        return None
    kind_kwh = periods["kind"] == 0
    over_kwh = kind_kwh & (periods["kwh"] > periods["threshold"])
    previous = periods["previous_kwh"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(previous > 0, (periods["kwh"] - previous) * 100.0 / np.maximum(previous, 1), np.nan)
    over_pct = (~kind_kwh) & (previous > 0) & (pct > periods["threshold"])
    hit = np.flatnonzero(over_kwh | over_pct)
    if not len(hit):
        return None
    recipients = {
        int(periods["account_id"][i]): {
            "kwh": {"kwh": int(periods["kwh"][i])},
            "previous_kwh": {"kwh": int(previous[i])},
            "threshold": int(periods["threshold"][i]),
            "read_on": {"date": periods["read_on"][i].isoformat()},
        }
        for i in hit
    }
    with transaction.atomic():
        notice = notify(
            topic=Topic.CONSUMPTION_ALERT, recipients=recipients, template="consumption_alert",
            key=f"consumption_alert:{since.isoformat()}:{now:%Y%m%d%H%M%S%f}", now=now,
        )  # fmt: skip
        for account_id, ctx in recipients.items():
            ConsumptionAlert.objects.filter(account_id=account_id).update(
                last_alerted_on=dt.date.fromisoformat(ctx["read_on"]["date"])
            )
    return notice
