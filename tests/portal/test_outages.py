"""The portal's "Mất điện" page: report no power, learn of a known outage at once, ask to be told when it is back."""

import datetime as dt

import pytest
from django.utils import timezone

from gridcare.outages import services
from gridcare.outages.models import OutageReport, RestorationRequest
from tests import factories
from tests.portal.builders import portal_login


@pytest.fixture
def customer(world):
    acct = factories.account(world, name="Trần Thị Bình", phone="+84901000007")
    portal_login(acct)
    return acct


@pytest.fixture
def signed_in(client, customer):
    client.force_login(customer.customer.user)
    return client


def test_the_account_page_links_to_the_outage_page(signed_in, customer):
    assert f"/accounts/{customer.code}/outages/" in signed_in.get(f"/accounts/{customer.code}/").text


def test_a_report_is_filed_under_the_customer_s_station(signed_in, customer, world):
    page = signed_in.get(f"/accounts/{customer.code}/outages/")
    assert page.status_code == 200 and 'id="report-no-power"' in page.text
    answer = signed_in.post(
        f"/accounts/{customer.code}/outages/report/", {"note": "cả xóm mất điện"}, follow=True
    )
    assert "Đã ghi nhận báo mất điện" in answer.text
    report = OutageReport.objects.get()
    assert report.account == customer and report.transformer_station == world["stations"][world["teams"][0]]
    assert (
        report.feeder == world["feeder"] and report.note == "cả xóm mất điện" and report.channel == "portal"
    )


def test_a_known_outage_is_shown_instead_of_a_report_and_the_customer_may_ask_to_be_told(
    signed_in, customer, world
):
    now = timezone.now()
    incident = services.incident_record(
        unit=world["company"], place="phường Ninh Kiều", reason="sự cố đường dây", started_at=now - dt.timedelta(minutes=30),
        estimated_restoration=now + dt.timedelta(hours=2), feeders=[world["feeder"]], by=None, now=now,
    )  # fmt: skip
    page = signed_in.get(f"/accounts/{customer.code}/outages/").text
    expected = timezone.localtime(incident.scheduled_end).strftime("%H:%M %d/%m/%Y")
    assert 'id="known-outage"' in page and expected in page and 'id="report-no-power"' not in page
    answer = signed_in.post(f"/accounts/{customer.code}/outages/report/", follow=True)
    assert "không cần báo thêm" in answer.text and not OutageReport.objects.exists()
    signed_in.post(f"/accounts/{customer.code}/outages/{incident.pk}/notify-me/")
    signed_in.post(f"/accounts/{customer.code}/outages/{incident.pk}/notify-me/")
    assert RestorationRequest.objects.get().account == customer
    assert 'id="asked"' in signed_in.get(f"/accounts/{customer.code}/outages/").text


def test_another_customer_gets_a_404(client, customer, world):
    other = factories.account(world, name="Khách khác", team=world["teams"][1])
    portal_login(other)
    client.force_login(other.customer.user)
    now = timezone.now()
    incident = services.incident_record(
        unit=world["company"], place="x", reason="y", started_at=now, transformer_stations=[world["stations"][world["teams"][0]]],
        by=None, now=now,
    )  # fmt: skip
    assert client.get(f"/accounts/{customer.code}/outages/").status_code == 404
    assert client.post(f"/accounts/{customer.code}/outages/report/").status_code == 404
    assert client.post(f"/accounts/{customer.code}/outages/{incident.pk}/notify-me/").status_code == 404
    # Their own account, with an outage that is not theirs: 404 too.
    assert client.post(f"/accounts/{other.code}/outages/{incident.pk}/notify-me/").status_code == 404
    assert not OutageReport.objects.exists() and not RestorationRequest.objects.exists()
