"""The bill calculator prices with the bills' engine and the seeded catalogue. Expected amounts are worked by hand
from /work/shared/domain/tariffs-and-billing.md: residential 1279/QĐ-BCT from 10/05/2025 (1 984 / 2 050 / 2 380 /
2 998 / 3 350 / 3 460 đồng per kWh, tiers 50, 50, 100, 100, 100 per household a month), 2699/QĐ-BCT before it
(1 893 / 1 956 / …), business under 6 kV 3 152 normal / 1 918 off-peak / 5 422 peak, VAT 8 % until 31/12/2026."""

import re

import pytest
from django.urls import reverse

from gridcare.metering.models import Meter
from tests import factories
from tests.portal.builders import portal_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(world):
    acct = factories.account(world, name="Phạm Văn Nam", households=1)
    portal_login(acct)
    return acct


@pytest.fixture
def shop(world):
    acct = factories.account(
        world, name="Cửa hàng Minh Châu", purpose="business", meter_kind=Meter.Kind.SMART, time_of_use=True
    )
    portal_login(acct)
    return acct


def _calculate(client, acct, **params):
    client.force_login(acct.customer.user)
    return client.get(reverse("portal:calculator", kwargs={"code": acct.code}), params)


def _amounts(page):
    lines = re.findall(
        r'data-kwh="(\d+)">[^<]*</td><td class="num">([\d.]+)</td><td class="num" data-amount="(\d+)"', page
    )
    totals = {
        key: int(v)
        for key, v in re.findall(r'id="calculator-(subtotal|vat|total)" data-amount="(\d+)"', page)
    }
    return [(int(k), int(p.replace(".", "")), int(a)) for k, p, a in lines], totals


def test_250_kwh_in_30_days_for_one_household(client, home):
    response = _calculate(client, home, start="2026-10-05", end="2026-11-04", kwh="250", households="1")
    assert response.status_code == 200
    lines, totals = _amounts(response.text)
    assert lines == [(50, 1984, 99_200), (50, 2050, 102_500), (100, 2380, 238_000), (50, 2998, 149_900)]
    assert totals == {"subtotal": 589_600, "vat": 47_168, "total": 636_768}
    assert "636.768 ₫" in response.text and "(30 ngày)" in response.text


def test_two_households_double_every_tier(client, home):
    lines, totals = _amounts(
        _calculate(client, home, start="2026-10-05", end="2026-11-04", kwh="250", households="2").text
    )
    assert lines == [(100, 1984, 198_400), (100, 2050, 205_000), (50, 2380, 119_000)]
    assert totals == {"subtotal": 522_400, "vat": 41_792, "total": 564_192}


def test_a_period_across_the_price_change_is_split_by_days(client, home):
    # 25/04–25/05/2025: 15 days before 10/05 and 15 after; 100 kWh -> 50 + 50, tier limits round(50 × 15 / 30) = 25.
    page = _calculate(client, home, start="2025-04-25", end="2025-05-25", kwh="100").text
    lines, totals = _amounts(page)
    assert lines == [(25, 1893, 47_325), (25, 1956, 48_900), (25, 1984, 49_600), (25, 2050, 51_250)]
    assert totals == {"subtotal": 197_075, "vat": 15_766, "total": 212_841}
    assert "Từ 25/04/2025 đến 09/05/2025" in page and "Từ 10/05/2025 đến 24/05/2025" in page


def test_a_business_customer_prices_kwh_per_time_of_use_period(client, shop):
    page = _calculate(
        client, shop, start="2026-10-05", end="2026-11-04", peak="100", normal="300", offpeak="200"
    ).text
    lines, totals = _amounts(page)
    assert lines == [(100, 5422, 542_200), (300, 3152, 945_600), (200, 1918, 383_600)]
    assert totals == {"subtotal": 1_871_400, "vat": 149_712, "total": 2_021_112}
    assert 'name="households"' not in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kwh": "2,5"}, "Hãy nhập số kWh là một số nguyên"),
        ({"kwh": "-4"}, "Số kWh không được âm"),
        ({"kwh": ""}, "Hãy nhập số kWh muốn tính, ví dụ 250."),
        ({"kwh": "100", "end": "2026-10-01"}, "Ngày cuối kỳ phải sau ngày đầu kỳ"),
        ({"kwh": "100", "end": "2027-03-01"}, "Một kỳ tính tối đa 92 ngày"),
        ({"kwh": "100", "start": "hôm qua"}, "Ngày đầu kỳ chưa đúng"),
        ({"kwh": "100", "households": "0"}, "Số hộ ít nhất là 1."),
        (
            {"kwh": "100", "start": "2019-01-01", "end": "2019-02-01"},
            "Chưa có biểu giá cho mục đích sinh hoạt",
        ),
    ],
)
def test_bad_input_says_what_to_do_and_keeps_what_was_typed(client, home, params, message):
    response = _calculate(client, home, **{"start": "2026-10-05", "end": "2026-11-04", **params})
    assert response.status_code in (200, 400)
    page = response.text
    assert message in page
    assert 'id="calculator-errors"' in page and 'id="calculator-result"' not in page
    if params.get("kwh"):
        assert f'value="{params["kwh"]}"' in page


def test_a_business_customer_must_give_one_period_at_least(client, shop):
    page = _calculate(client, shop, start="2026-10-05", end="2026-11-04").text
    assert "ít nhất một khung giờ" in page


def test_another_customers_account_is_a_404(client, home, world):
    other = factories.account(world, name="Người khác")
    portal_login(other)
    client.force_login(other.customer.user)
    assert (
        client.get(reverse("portal:calculator", kwargs={"code": home.code}), {"kwh": "1"}).status_code == 404
    )


def test_the_empty_form_starts_with_the_contracts_households(client, world):
    acct = factories.account(world, households=3)
    portal_login(acct)
    page = _calculate(client, acct).text
    assert re.search(r'name="households" value="3"', page)
    assert 'id="calculator-errors"' not in page
