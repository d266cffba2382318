"""Reactions of notifications to events of lower layers."""

from gridcare.notifications.tasks import consumption_alerts_check


def readings_recorded_check_alerts(sender, *, since, now, **kwargs) -> None:
    """New readings were committed: evaluate consumption alerts in the background."""
    consumption_alerts_check.enqueue(since.isoformat())
