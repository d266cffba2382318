"""Imported readings that cross a customer's consumption alert queue the alert, through a background task."""

import datetime as dt

import pytest

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.metering.services import reading_import_records
from gridcare.notifications import services
from gridcare.notifications.models import OutboxMessage
from tests import factories
from tests.metering.builders import meter_of

NOW = dt.datetime(2026, 3, 6, 9, 0, tzinfo=BUSINESS_TZ)


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_an_import_that_crosses_the_threshold_alerts_the_customer(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    heavy = factories.account(world, email="heavy@example.vn")
    light = factories.account(world, email="light@example.vn")
    factories.readings(heavy, [1000, 1100], start=dt.date(2026, 1, 5))
    factories.readings(light, [5000, 5100], start=dt.date(2026, 1, 5))
    services.consumption_alert_set(account=heavy, kind="kwh", threshold=250)
    services.consumption_alert_set(account=light, kind="kwh", threshold=250)
    records = [
        {
            "meter_serial": meter_of(heavy).serial,
            "read_on": "2026-03-05",
            "total_kwh": "1400",
        },  # 300 kWh > 250
        {"meter_serial": meter_of(light).serial, "read_on": "2026-03-05", "total_kwh": "5200"},  # 100 kWh
    ]
    with django_capture_on_commit_callbacks(execute=True):
        outcome = reading_import_records(records=records, now=NOW)
    assert outcome.inserted == 2
    alerted = set(
        OutboxMessage.objects.filter(notice__topic="consumption_alert").values_list("account_id", flat=True)
    )
    assert alerted == {heavy.pk}


def test_an_import_with_nothing_new_checks_nothing(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    acct = factories.account(world, email="a@example.vn")
    factories.readings(acct, [1000, 1100, 1400], start=dt.date(2026, 1, 5))
    services.consumption_alert_set(account=acct, kind="kwh", threshold=250)
    records = [
        {"meter_serial": meter_of(acct).serial, "read_on": "2026-03-05", "total_kwh": "1400"}
    ]  # already there
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reading_import_records(records=records, now=NOW)
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
