import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.portal.conftest import TOTALS

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def month_of_reading(i):
    """(month, year) of the i-th fixture reading (the first is in January 2023)."""
    year, month = divmod(i, 12)
    return month + 1, 2023 + year


def expected_by_month():
    return {month_of_reading(i): TOTALS[i] - TOTALS[i - 1] for i in range(1, len(TOTALS))}


def bars(svg, series):
    group = next(g for g in svg.iter(f"{SVG}g") if f"chart-series-{series}" in g.get("class", "").split())
    result = {}
    for rect in group.iter(f"{SVG}rect"):
        month, year = re.search(r"(\d\d)/(\d{4}):", rect.find(f"{SVG}title").text).groups()
        result[(int(month), int(year))] = int(rect.get("data-value"))
    return result


def chart_of(page):
    return ET.fromstring(page[page.index("<svg") : page.index("</svg>") + len("</svg>")])  # noqa: S314 - our own page


@pytest.fixture
def page(signed_in, customer_account):
    response = signed_in.get(reverse("portal:account", kwargs={"code": customer_account.code}))
    assert response.status_code == 200
    return response.text


def test_chart_bars_are_the_differences_of_the_readings(page):
    svg = chart_of(page)
    this_year = bars(svg, 0)
    assert len(this_year) == 24
    chronological = sorted(this_year, key=lambda m: (m[1], m[0]))
    assert chronological[0] == (2, 2024) and chronological[-1] == (1, 2026)
    expected = expected_by_month()
    assert this_year == {month: expected[month] for month in this_year}


def test_second_series_is_the_same_month_a_year_earlier(page):
    svg = chart_of(page)
    expected = expected_by_month()
    year_before = bars(svg, 1)
    assert len(year_before) == 24
    assert year_before == {(m, y): expected[(m, y - 1)] for (m, y) in year_before}


def test_chart_is_labelled_and_has_a_numbers_table_behind_a_toggle(page):
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "kWh" in svg
    details = page[page.index('<details id="chart-numbers">') : page.index("</details>")]
    assert "<summary>Xem số liệu</summary>" in details
    cells = re.findall(r'<th scope="row">(\d\d)/(\d{4})</th><td class="num" data-kwh="(\d*)">', details)
    expected = expected_by_month()
    assert len(cells) == 24
    assert {(int(m), int(y)): int(v) for m, y, v in cells} == {
        (int(m), int(y)): expected[(int(m), int(y))] for m, y, _ in cells
    }
