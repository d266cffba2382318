"""Staff see every tariff version in the back office and add a new price decision there."""

import pytest

from gridcare.tariffs.models import TariffVersion
from tests.backoffice.builders import superuser, verified_login

pytestmark = pytest.mark.django_db
CHANGELIST = "/backoffice/tariffs/tariffversion/"


@pytest.fixture(autouse=True)
def plain_static(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _new_version(**overrides):
    data = {
        "purpose": "residential", "method": "tiered", "decision": "123/QĐ-BCT", "decision_date": "",
        "active_from": "2026-06-01", "active_to": "", "proration_divisor": "preceding_month", "confidence": "B",
        "note": "",
        "tiers-TOTAL_FORMS": "2", "tiers-INITIAL_FORMS": "0", "tiers-MIN_NUM_FORMS": "0", "tiers-MAX_NUM_FORMS": "1000",
        "tiers-0-position": "1", "tiers-0-limit_kwh": "100", "tiers-0-unit_price": "2000",
        "tiers-1-position": "2", "tiers-1-limit_kwh": "", "tiers-1-unit_price": "3000",
        "time_of_use_prices-TOTAL_FORMS": "0", "time_of_use_prices-INITIAL_FORMS": "0",
        "time_of_use_prices-MIN_NUM_FORMS": "0", "time_of_use_prices-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    return data | overrides


def test_changelist_shows_every_version_with_dates_and_decision(client):
    verified_login(client, superuser())
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    text = page.content.decode()
    for decision in ("1062/QĐ-BCT", "2941/QĐ-BCT", "2699/QĐ-BCT", "1279/QĐ-BCT"):
        assert decision in text
    assert (
        page.context["cl"].result_count == TariffVersion.objects.count() == 10
    )  # 4 residential, 2 TOU, 2 administrative, 2 public service
    assert "1.984 / 2.050 / 2.380 / 2.998 / 3.350 / 3.460" in text  # 1279's tier prices
    assert "12 giá theo khung giờ" in text


def test_staff_add_a_new_decision_without_a_code_change(client):
    verified_login(client, superuser())
    response = client.post(f"{CHANGELIST}add/", _new_version())
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    new = TariffVersion.objects.get(decision="123/QĐ-BCT")
    assert [(t.limit_kwh, t.unit_price) for t in new.tiers.order_by("position")] == [
        (100, 2000),
        (None, 3000),
    ]
    assert (
        TariffVersion.objects.get(purpose="residential", decision="1279/QĐ-BCT").active_to.isoformat()
        == "2026-06-01"
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"active_from": "2024-01-01", "active_to": "2024-03-01"},  # overlaps 2941 and 2699
        {"tiers-1-limit_kwh": "200"},  # the last tier must be unlimited
        {"tiers-1-position": "3"},  # positions 1, 3
    ],
)
def test_invalid_decisions_are_refused_with_a_message(client, overrides):
    verified_login(client, superuser())
    response = client.post(f"{CHANGELIST}add/", _new_version(**overrides))
    assert response.status_code == 200
    assert not TariffVersion.objects.filter(decision="123/QĐ-BCT").exists()
    assert TariffVersion.objects.get(purpose="residential", decision="1279/QĐ-BCT").active_to is None


VAT_CHANGELIST = "/backoffice/tariffs/vatrate/"


def test_an_overlapping_vat_rate_is_refused_on_the_form_in_vietnamese(client):
    from gridcare.tariffs.models import VatRate

    verified_login(client, superuser())
    data = {
        "active_from": "2022-06-01",
        "active_to": "2022-09-01",
        "rate_percent": "5",
        "basis": "",
        "confidence": "C",
    }
    response = client.post(f"{VAT_CHANGELIST}add/", data)
    assert response.status_code == 200
    assert "Khoảng ngày trùng với thuế suất 8% áp dụng từ 01/02/2022." in response.content.decode()
    assert VatRate.objects.count() == 5


def test_a_new_vat_rate_is_saved_through_the_service_and_closes_the_open_one(client):
    from gridcare.core.models import AuditEntry
    from gridcare.tariffs.models import VatRate

    verified_login(client, superuser())
    data = {
        "active_from": "2028-01-01",
        "active_to": "",
        "rate_percent": "8",
        "basis": "thử",
        "confidence": "C",
    }
    assert client.post(f"{VAT_CHANGELIST}add/", data).status_code == 302
    assert VatRate.objects.get(active_from="2027-01-01").active_to.isoformat() == "2028-01-01"
    assert AuditEntry.objects.filter(object_type="tariffs.vatrate", reason="vat_rate_successor").exists()


def test_an_overlap_found_only_at_save_time_is_a_message_not_a_server_error(client, monkeypatch):
    # As if another member of staff saved an overlapping version between this form's check and its save.
    from django import forms

    from gridcare.backoffice.admin.tariffs import TariffVersionForm

    monkeypatch.setattr(TariffVersionForm, "clean", forms.ModelForm.clean)
    verified_login(client, superuser())
    response = client.post(
        f"{CHANGELIST}add/", _new_version(active_from="2024-01-01", active_to="2024-03-01"), follow=True
    )
    assert response.status_code == 200
    assert "Khoảng ngày trùng với biểu giá 2941/QĐ-BCT" in response.content.decode()
    assert not TariffVersion.objects.filter(decision="123/QĐ-BCT").exists()
