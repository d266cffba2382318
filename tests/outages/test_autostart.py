"""Planned outages start by themselves at their planned time (fixed clock), once; overdue ones wait for staff."""

import datetime as dt

from gridcare.notifications.models import OutboxMessage
from gridcare.outages import selectors, services
from gridcare.outages.models import Outage, OutageEvent, OutageStatus
from tests.notifications.builders import contact_account
from tests.outages.builders import NOW, local


def _announced(world, *, start, end, publish=True):
    outage = services.outage_plan(
        unit=world["company"], place="chợ Cái Răng", reason="bảo trì", scheduled_start=start, scheduled_end=end,
        feeders=[world["feeder"]], by=None, now=NOW,
    )  # fmt: skip
    return services.outage_publish(outage=outage, by=None, now=NOW) if publish else outage


def test_an_announced_outage_starts_at_its_planned_time_once_and_only_then(world):
    contact_account(world, phone="+84901000001", team=world["teams"][0])
    outage = _announced(world, start=local(20, 7), end=local(20, 11))
    draft = _announced(world, start=local(20, 7), end=local(20, 11), publish=False)
    told = OutboxMessage.objects.count()
    assert services.outages_start_due(now=local(20, 6, 59)) == 0
    assert Outage.objects.get(pk=outage.pk).status == OutageStatus.PUBLISHED
    # The worker runs a few minutes late: the outage started at its planned time, not when the worker woke up.
    assert services.outages_start_due(now=local(20, 7, 4)) == 1
    outage.refresh_from_db()
    assert outage.status == OutageStatus.IN_PROGRESS and outage.started_at == local(20, 7)
    event = OutageEvent.objects.get(outage=outage, action=OutageEvent.Action.STARTED)
    assert event.by is None and event.changes["automatic"] is True
    # Running again (or a second worker) changes nothing and tells nobody; a draft is never started.
    assert services.outages_start_due(now=local(20, 7, 9)) == 0
    assert OutageEvent.objects.filter(outage=outage, action=OutageEvent.Action.STARTED).count() == 1
    assert OutboxMessage.objects.count() == told
    assert Outage.objects.get(pk=draft.pk).status == OutageStatus.DRAFT


def test_cancelled_and_changed_outages_follow_their_latest_plan(world):
    cancelled = _announced(world, start=local(20, 7), end=local(20, 11))
    services.outage_cancel(outage=cancelled, by=None, now=NOW)
    moved = _announced(world, start=local(20, 7), end=local(20, 11))
    services.outage_change(
        outage=moved, by=None, now=NOW, scheduled_start=local(22, 8), scheduled_end=local(22, 10)
    )
    assert services.outages_start_due(now=local(21, 12)) == 0
    assert Outage.objects.get(pk=cancelled.pk).status == OutageStatus.CANCELLED
    assert Outage.objects.get(pk=moved.pk).status == OutageStatus.CHANGED
    assert services.outages_start_due(now=local(22, 8)) == 1
    assert Outage.objects.get(pk=moved.pk).status == OutageStatus.IN_PROGRESS


def test_an_outage_past_its_expected_end_is_overdue_and_stays_open_until_staff_close_it(world):
    outage = _announced(world, start=local(20, 7), end=local(20, 11))
    services.outages_start_due(now=local(20, 7))
    assert not selectors.overdue_outages(now=local(20, 11)).exists()
    assert list(selectors.overdue_outages(now=local(20, 11, 1)).values_list("pk", flat=True)) == [outage.pk]
    services.outages_start_due(now=local(20, 12))
    assert Outage.objects.get(pk=outage.pk).status == OutageStatus.IN_PROGRESS
    services.outage_close(outage=outage, by=None, now=local(20, 12), restored_at=local(20, 11, 30))
    assert not selectors.overdue_outages(now=local(20, 13)).exists()


def test_the_task_starts_due_outages(world, monkeypatch):
    from django.utils import timezone

    from gridcare.outages import tasks

    outage = _announced(world, start=local(20, 7), end=local(20, 11))
    monkeypatch.setattr(timezone, "now", lambda: local(20, 7, 30))
    assert tasks.outages_start_due.call(False) == 1
    assert Outage.objects.get(pk=outage.pk).status == OutageStatus.IN_PROGRESS
    assert dt.timedelta(minutes=5) == tasks.START_EVERY
