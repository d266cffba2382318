"""The catalogue the data migration loads, and adding a price decision through the service."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gridcare.core.models import AuditEntry
from gridcare.tariffs import engine, selectors, services
from gridcare.tariffs.models import Confidence, PricingMethod, TariffVersion, TimeOfUseSchedule, VatRate

pytestmark = pytest.mark.django_db
D = dt.date


def test_every_residential_version_of_the_domain_file_is_loaded_back_to_back():
    versions = list(selectors.tariff_versions(purpose="residential"))
    assert [(v.decision, v.active_from, v.confidence) for v in versions] == [
        ("1062/QĐ-BCT", D(2023, 5, 4), "C"), ("2941/QĐ-BCT", D(2023, 11, 9), "C"),
        ("2699/QĐ-BCT", D(2024, 10, 11), "C"), ("1279/QĐ-BCT", D(2025, 5, 10), "A"),
    ]  # fmt: skip
    assert [v.active_to for v in versions] == [v.active_from for v in versions[1:]] + [None]
    latest = versions[-1]
    assert [(t.limit_kwh, t.unit_price) for t in latest.tiers.order_by("position")] == [
        (50, 1984), (50, 2050), (100, 2380), (100, 2998), (100, 3350), (None, 3460),
    ]  # fmt: skip
    assert latest.proration_divisor == "30"


def test_time_of_use_prices_hours_and_vat_are_loaded():
    business = TariffVersion.objects.get(purpose="business")
    assert business.time_of_use_prices.get(voltage="22to110kv", period="peak").unit_price == 5025
    old, new = TimeOfUseSchedule.objects.order_by("active_from")
    assert (old.confidence, new.confidence) == ("A", "C")
    assert old.windows.filter(days="mon_sat", period="peak").count() == 2
    assert [(r.active_from, int(r.rate_percent)) for r in VatRate.objects.order_by("active_from")] == [
        (D(1999, 1, 1), 10), (D(2022, 2, 1), 8), (D(2023, 1, 1), 10), (D(2023, 7, 1), 8), (D(2027, 1, 1), 10),
    ]  # fmt: skip


def test_administrative_and_public_service_units_have_one_price_for_all_hours_by_voltage():
    versions = list(selectors.tariff_versions(purpose="administrative"))
    assert [(v.decision, v.active_from, v.active_to, v.confidence) for v in versions] == [
        ("2699/QĐ-BCT", D(2024, 10, 11), D(2025, 5, 10), "C"), ("1279/QĐ-BCT", D(2025, 5, 10), None, "C"),
    ]  # fmt: skip
    latest = versions[-1]
    prices = {(p.voltage, p.period): p.unit_price for p in latest.time_of_use_prices.all()}
    assert prices == {
        (voltage, period): 2226 if voltage == "lt6kv" else 2138
        for voltage in ("ge110kv", "22to110kv", "6to22kv", "lt6kv") for period in ("peak", "normal", "offpeak")
    }  # fmt: skip
    # A school's meter without registers: 1,000 kWh in June 2025 below 6 kV, 1,000 × 2,226 = 2,226,000 đồng,
    # VAT 8 % = 178,080 đồng.
    quote = selectors.consumption_quote(
        purpose="administrative", voltage="lt6kv", start=D(2025, 6, 1), end=D(2025, 7, 1), kwh=1000
    )
    assert (quote.subtotal, quote.vat, quote.total) == (2_226_000, 178_080, 2_404_080)
    registers = selectors.consumption_quote(
        purpose="administrative", voltage="22to110kv", start=D(2025, 6, 1), end=D(2025, 7, 1), kwh=None,
        registers=(100, 250, 150),
    )  # fmt: skip
    assert [line.unit_price for line in registers.lines] == [2138, 2138, 2138]
    assert registers.subtotal == 500 * 2138


def test_hospitals_and_schools_have_their_own_lower_prices_for_all_hours_by_voltage():
    versions = list(selectors.tariff_versions(purpose="public_service"))
    assert [(v.decision, v.active_from, v.active_to, v.confidence) for v in versions] == [
        ("2699/QĐ-BCT", D(2024, 10, 11), D(2025, 5, 10), "C"), ("1279/QĐ-BCT", D(2025, 5, 10), None, "C"),
    ]  # fmt: skip
    for version, (high, low) in zip(versions, [(1851, 1977), (1940, 2072)], strict=True):
        prices = {(p.voltage, p.period): p.unit_price for p in version.time_of_use_prices.all()}
        assert prices == {
            (voltage, period): low if voltage == "lt6kv" else high
            for voltage in ("ge110kv", "22to110kv", "6to22kv", "lt6kv") for period in ("peak", "normal", "offpeak")
        }  # fmt: skip
    # A school below 6 kV, 1,000 kWh in June 2025 (1279): 1,000 × 2,072 = 2,072,000 đồng, VAT 8 % = 165,760.
    school = selectors.consumption_quote(
        purpose="public_service", voltage="lt6kv", start=D(2025, 6, 1), end=D(2025, 7, 1), kwh=1000
    )
    assert [line.unit_price for line in school.lines] == [2072]
    assert (school.subtotal, school.vat, school.total) == (2_072_000, 165_760, 2_237_760)
    # A hospital at 22 kV in November 2024 (2699) with registers: 500 kWh × 1,851 = 925,500, VAT 8 % = 74,040.
    hospital = selectors.consumption_quote(
        purpose="public_service", voltage="6to22kv", start=D(2024, 11, 1), end=D(2024, 12, 1), kwh=None,
        registers=(100, 250, 150),
    )  # fmt: skip
    assert {line.unit_price for line in hospital.lines} == {1851}
    assert (hospital.subtotal, hospital.vat) == (925_500, 74_040)
    # The administrative versions no longer say that these prices could not be split off.
    notes = list(TariffVersion.objects.filter(purpose="administrative").values_list("note", flat=True))
    assert len(notes) == 2 and all(
        "chưa tách được" not in n and "có mục đích và giá riêng" in n for n in notes
    )


def test_time_of_use_period_follows_the_versioned_hours():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    assert (
        selectors.time_of_use_period_at(moment=dt.datetime(2025, 6, 2, 10, 0, tzinfo=tz)) == "peak"
    )  # Monday
    assert (
        selectors.time_of_use_period_at(moment=dt.datetime(2025, 6, 1, 10, 0, tzinfo=tz)) == "normal"
    )  # Sunday
    assert selectors.time_of_use_period_at(moment=dt.datetime(2025, 6, 2, 23, 0, tzinfo=tz)) == "offpeak"
    assert selectors.time_of_use_period_at(moment=dt.datetime(2026, 6, 1, 21, 0, tzinfo=tz)) == "peak"  # 963


def test_a_new_decision_closes_the_open_version_and_prices_from_its_date():
    from tests.backoffice.builders import superuser

    user = superuser()
    services.tariff_version_create(
        purpose="residential", method=PricingMethod.TIERED, decision="99/2026/QĐ-TTg (thử)",
        active_from=D(2026, 6, 1), confidence=Confidence.UNVERIFIED,
        tiers=[(100, 2100), (100, 2500), (200, 3100), (300, 3600), (None, 3900)], user=user,
    )  # fmt: skip
    previous = TariffVersion.objects.get(purpose="residential", decision="1279/QĐ-BCT")
    assert previous.active_to == D(2026, 6, 1)
    assert AuditEntry.objects.filter(
        object_type="tariffs.tariffversion", object_id=str(previous.pk)
    ).get().after == {"active_to": "2026-06-01"}
    quote = selectors.consumption_quote(
        purpose="residential", start=D(2026, 6, 1), end=D(2026, 7, 1), kwh=250
    )
    assert [(line.tier, line.kwh, line.unit_price) for line in quote.lines] == [
        (1, 100, 2100),
        (2, 100, 2500),
        (3, 50, 3100),
    ]


def test_overlapping_decisions_are_refused():
    with pytest.raises(ValidationError):
        services.tariff_version_create(
            purpose="residential", method=PricingMethod.TIERED, decision="trùng", active_from=D(2024, 1, 1),
            active_to=D(2024, 2, 1), tiers=[(None, 1000)],
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.tariff_version_create(
            purpose="residential", method=PricingMethod.TIERED, decision="sai bậc", active_from=D(2027, 1, 1),
            tiers=[(50, 1000), (None, 2000), (100, 3000)],
        )  # fmt: skip


def test_the_compiled_catalogue_prices_like_the_scalar_path():
    compiled = selectors.compiled_catalogue()
    priced = engine.price_many(
        catalogue=compiled, start=[D(2025, 4, 20).toordinal()] * 3, days=[30] * 3, kwh=[350, 500, 500],
        households=[1] * 3, voltage=[0, 3, 3],
        purpose=[engine.PURPOSES.index(p) for p in ("residential", "business", "administrative")],
    )  # fmt: skip
    business = selectors.consumption_quote(
        purpose="business", voltage="lt6kv", start=D(2025, 5, 10), end=D(2025, 6, 10), kwh=500
    )
    # Administrative, below 6 kV: 20 days at 2,124 (2699) and 10 at 2,226 (1279); round(500 × 20 / 30) = 333 kWh
    # old, 167 new: 333 × 2,124 + 167 × 2,226 = 707,292 + 371,742 = 1,079,034; VAT round(86,322.72) = 86,323.
    assert priced.total.tolist() == [949_641, 0, 1_165_357]
    assert priced.unpriced.tolist() == [False, True, False]  # business only from 10/05/2025
    assert business.lines[0].unit_price == 3152


def test_loading_the_catalogue_takes_four_queries_whatever_its_size(django_assert_num_queries):
    with django_assert_num_queries(4):  # versions, tiers, time-of-use prices, VAT
        catalogue = selectors.catalogue_load()
    assert len(catalogue.versions) == 10 and len(catalogue.vat_rates) == 5
