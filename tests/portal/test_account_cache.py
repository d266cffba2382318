"""The account page's readings, chart and table are cached per account, readings version and language: a new or
corrected reading is seen at once (the version is the key), a second view computes nothing."""

import datetime as dt
from unittest import mock

import pytest

from gridcare.metering import consumption
from gridcare.metering.models import Reading
from tests import factories
from tests.backoffice.builders import customer_user

pytestmark = pytest.mark.django_db


def _chart(client, code) -> str:
    page = client.get(f"/accounts/{code}/").content.decode()
    return page[page.index('id="consumption-chart"') : page.index("</main>")]


def test_a_second_view_computes_nothing_and_a_new_or_corrected_reading_is_seen_at_once(client, world):
    account = factories.account(world)
    factories.readings(account, [1000, 1150, 1320, 1400], start=dt.date(2026, 1, 5))
    client.force_login(customer_user(account))
    computed = mock.patch.object(
        consumption, "readings_with_consumption", wraps=consumption.readings_with_consumption
    )
    with computed as spy:
        first = _chart(client, account.code)
        assert _chart(client, account.code) == first
        assert spy.call_count == 1
        # 04/26 used 80 kWh; a new reading in May adds a bar.
        assert "80 kWh" in first and "05/26" not in first
        meter = account.meter_installations.get(removed_on__isnull=True).meter
        Reading.objects.create(meter=meter, account=account, read_on=dt.date(2026, 5, 5), total=1610)
        added = _chart(client, account.code)
        assert "05/26" in added and "210 kWh" in added and spy.call_count == 2
        # A correction in place (the reading keeps its row): April becomes 1420 - 1320 = 100 kWh.
        Reading.objects.filter(account=account, read_on=dt.date(2026, 4, 5)).update(total=1420)
        corrected = _chart(client, account.code)
        assert "100 kWh" in corrected and "190 kWh" in corrected and spy.call_count == 3
    client.cookies["django_language"] = "en"
    assert _chart(client, account.code) != corrected
