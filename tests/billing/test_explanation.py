"""A time-of-use bill explains itself in hours (peak, normal, off-peak) and speaks to a company, not a household."""

import datetime as dt

import pytest
from django.utils import translation

from gridcare.billing import services
from gridcare.billing.documents import bill_html
from gridcare.billing.explanation import BillFacts, bill_explanation
from gridcare.billing.models import Bill
from gridcare.metering.models import Reading
from tests import factories

NOW = dt.datetime(2025, 8, 20, 9, 0, tzinfo=dt.UTC)
AUGUST = dt.date(2025, 8, 1)

# July: 30 days, 2,000 kWh (peak 300, normal 1,000, off-peak 700); August: 31 days, 3,000 kWh (600, 1,500, 900).
JULY_FACTS = BillFacts(
    days=30, kwh=2000, total=6_610_896, part_starts=(dt.date(2025, 6, 5),), part_prices=((5422, 3152, 1918),),
    top_tier=None, top_tier_price=None, purpose="business", period_kwh=(300, 1000, 700),
    period_prices=(5422, 3152, 1918),
)  # fmt: skip
AUGUST_FACTS = BillFacts(
    days=31, kwh=3000, total=10_483_992, part_starts=(dt.date(2025, 7, 5),), part_prices=((5422, 3152, 1918),),
    top_tier=None, top_tier_price=None, purpose="business", period_kwh=(600, 1500, 900),
    period_prices=(5422, 3152, 1918),
)  # fmt: skip


def _explain(language, bill=AUGUST_FACTS, previous=JULY_FACTS):
    with translation.override(language):
        return bill_explanation(bill=bill, previous=previous, last_year=None, language=language)


def test_a_business_bill_is_explained_in_hours_in_vietnamese():
    assert _explain("vi") == [
        # 10,483,992 / 6,610,896 = +58.6 % → 59 %.
        "Tiền điện kỳ này tăng 59% so với kỳ trước (6.610.896 ₫ → 10.483.992 ₫).",
        "Kỳ này có 31 ngày, kỳ trước 30 ngày.",
        # 3,000 / 31 = 96.8 kWh a day; 2,000 / 30 = 66.7.
        "Mỗi ngày doanh nghiệp của quý khách dùng trung bình 96,8 kWh, kỳ trước 66,7 kWh.",
        "Giờ cao điểm: 600 kWh (20%), giờ bình thường: 1.500 kWh, giờ thấp điểm: 900 kWh.",
        "Giá giờ cao điểm 5.422 ₫/kWh, giờ thấp điểm 1.918 ₫/kWh: chuyển phần việc dùng nhiều điện sang giờ thấp "
        "điểm giảm tiền điện.",
    ]


def test_a_business_bill_is_explained_in_hours_in_english():
    text = " ".join(_explain("en"))
    assert "This period has 31 days, the previous one 30." in text
    assert "Your company used 96.8 kWh a day on average, up from 66.7 kWh in the previous period." in text
    assert "Peak hours: 600 kWh (20%), normal hours: 1,500 kWh, off-peak hours: 900 kWh." in text
    assert "Peak hours cost 5,422 ₫/kWh, off-peak hours 1,918 ₫/kWh" in text
    assert "household" not in text and "tier" not in text.lower()


def test_a_household_bill_still_speaks_of_tiers_and_the_household():
    home = BillFacts(days=31, kwh=310, total=900_000, part_starts=(dt.date(2025, 7, 5),), part_prices=((1984,),),
                     top_tier=4, top_tier_price=2998)  # fmt: skip
    before = BillFacts(days=30, kwh=200, total=500_000, part_starts=(dt.date(2025, 6, 5),), part_prices=((1984,),),
                       top_tier=3, top_tier_price=2380)  # fmt: skip
    text = " ".join(_explain("en", bill=home, previous=before))
    assert "each tier’s limit follows the number of days" in text
    assert "Your household used" in text and "tier 4" in text


def test_a_school_without_registers_pays_one_price_for_all_hours():
    school = BillFacts(days=30, kwh=1000, total=2_404_080, part_starts=(dt.date(2025, 6, 1),), part_prices=((2226,),),
                       top_tier=None, top_tier_price=None, purpose="administrative", period_kwh=(0, 1000, 0),
                       period_prices=(0, 2226, 0))  # fmt: skip
    before = BillFacts(days=30, kwh=800, total=1_923_264, part_starts=(dt.date(2025, 5, 1),), part_prices=((2226,),),
                       top_tier=None, top_tier_price=None, purpose="administrative", period_kwh=(0, 800, 0),
                       period_prices=(0, 2226, 0))  # fmt: skip
    vi = _explain("vi", bill=school, previous=before)
    assert "Mỗi ngày đơn vị của quý khách dùng trung bình 33,3 kWh, kỳ trước 26,7 kWh." in vi
    assert "Toàn bộ điện năng tính một giá cho mọi giờ: 2.226 ₫/kWh." in vi
    fr = " ".join(_explain("fr", bill=school, previous=before))
    assert "Votre organisme a consommé en moyenne 33,3" in fr


def test_a_public_service_school_speaks_of_the_organisation_and_one_price_for_all_hours():
    # 1279 below 6 kV: 1,000 kWh × 2,072 = 2,072,000 + VAT 165,760; before: 800 × 2,072 = 1,657,600 + 132,608.
    school = BillFacts(days=30, kwh=1000, total=2_237_760, part_starts=(dt.date(2025, 6, 1),), part_prices=((2072,),),
                       top_tier=None, top_tier_price=None, purpose="public_service", period_kwh=(0, 1000, 0),
                       period_prices=(0, 2072, 0))  # fmt: skip
    before = BillFacts(days=30, kwh=800, total=1_790_208, part_starts=(dt.date(2025, 5, 1),), part_prices=((2072,),),
                       top_tier=None, top_tier_price=None, purpose="public_service", period_kwh=(0, 800, 0),
                       period_prices=(0, 2072, 0))  # fmt: skip
    vi = _explain("vi", bill=school, previous=before)
    assert "Mỗi ngày đơn vị của quý khách dùng trung bình 33,3 kWh, kỳ trước 26,7 kWh." in vi
    assert "Toàn bộ điện năng tính một giá cho mọi giờ: 2.072 ₫/kWh." in vi
    assert not any("doanh nghiệp" in r or "giờ bình thường" in r for r in vi)
    en = " ".join(_explain("en", bill=school, previous=before))
    assert "Your organisation used 33.3 kWh a day on average" in en


@pytest.fixture
def business_bill(world):
    acct = factories.account(world, purpose="business", time_of_use=True, name="Công ty TNHH Minh Phát")
    meter = acct.meter_installations.get().meter
    registers = [(1000, 5000, 2000), (1300, 6000, 2700), (1900, 7500, 3600)]
    Reading.objects.bulk_create(
        Reading(meter=meter, account=acct, read_on=dt.date(2025, month, 5), total=sum(r), peak=r[0], normal=r[1],
                offpeak=r[2])
        for month, r in zip((6, 7, 8), registers, strict=True)
    )  # fmt: skip
    for period in (dt.date(2025, 7, 1), AUGUST):
        run = services.bill_run_create(period=period, route=world["routes"][world["teams"][0]], now=NOW)
        services.bill_run_execute(run=run, now=NOW)
    return Bill.objects.get(account=acct, period=AUGUST)


def test_the_business_bill_document_reads_in_hours(business_bill):
    # Decision 1279 below 6 kV: 600 × 5,422 + 1,500 × 3,152 + 900 × 1,918 = 9,707,400 đồng, VAT 8 % 776,592.
    assert (business_bill.kwh, business_bill.subtotal, business_bill.vat) == (3000, 9_707_400, 776_592)
    html = bill_html(bill=business_bill, language="en")
    assert "Your company used 96.8 kWh a day on average" in html
    assert "Peak hours: 600 kWh (20%)" in html
    assert "household" not in html and "Tier" not in html
    vi = bill_html(bill=business_bill, language="vi")
    assert "Mỗi ngày doanh nghiệp của quý khách" in vi and "nhà bạn" not in vi
    assert "Định mức" not in vi and "Bậc" not in vi
