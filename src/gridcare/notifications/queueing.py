"""How services ask for background work without importing the tasks that do it.

Entry points (`tasks.py`) call services; services never import them back (the import-linter contract
"notifications: entry points above services" keeps it so). A service that needs a worker asks here; the
app's `ready()` registers the task that does the work (`register`).
"""

from collections.abc import Iterable

_delivery_task = None


def register(*, deliver_outbox) -> None:
    """Name the task that delivers a channel's ready rows (NotificationsConfig.ready)."""
    global _delivery_task
    _delivery_task = deliver_outbox


def delivery_enqueue(*, channels: Iterable[str]) -> None:
    """Ask a worker to deliver the ready rows of each channel (call it on commit)."""
    if _delivery_task is None:
        raise RuntimeError("notifications.queueing: no delivery task registered (NotificationsConfig.ready)")
    for channel in channels:
        _delivery_task.enqueue(channel)
