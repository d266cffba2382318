"""Daily and 30-minute use of a smart meter: the bars and the table are the recorded intervals, summed per half-hour
and per day in local time; time-of-use periods come from the tariffs' schedule (Decision 963 from 01/04/2026:
peak 17:30–22:30 Monday to Saturday, off-peak 00:00–06:00, no peak on Sunday)."""

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.metering.models import IntervalReading, Meter, MeterInstallation
from tests import factories
from tests.portal.builders import portal_login

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"
MONDAY = dt.date(2026, 11, 23)
FIRST_DAY = dt.date(2026, 11, 2)  # a Monday; data for four weeks, to Sunday 29/11/2026


def _intervals(meter, *, days, wh):
    """Half-hours of `days` local days from FIRST_DAY, energy `wh(day index, slot)`."""
    start = dt.datetime.combine(FIRST_DAY, dt.time(0, 0), tzinfo=BUSINESS_TZ)
    IntervalReading.objects.bulk_create(
        IntervalReading(meter=meter, start=start + dt.timedelta(minutes=30 * (d * 48 + s)), energy_wh=wh(d, s))
        for d in range(days) for s in range(48)
    )  # fmt: skip


@pytest.fixture
def household(world):
    acct = factories.account(world, name="Lê Thị Hoa", meter_kind=Meter.Kind.SMART)
    portal_login(acct)
    meter = MeterInstallation.objects.get(account=acct).meter
    _intervals(meter, days=28, wh=lambda d, s: 100 * (d + 1) + s)
    return acct


@pytest.fixture
def business(world):
    acct = factories.account(world, name="Công ty TNHH Hậu Giang", purpose="business", meter_kind=Meter.Kind.SMART,
                             time_of_use=True)  # fmt: skip
    portal_login(acct)
    meter = MeterInstallation.objects.get(account=acct).meter
    _intervals(meter, days=28, wh=lambda d, s: 1000)
    return acct


def _get(client, acct, **params):
    client.force_login(acct.customer.user)
    return client.get(reverse("portal:usage", kwargs={"code": acct.code}), params)


def _svg(page):
    return ET.fromstring(page[page.index("<svg") : page.index("</svg>") + 6])  # noqa: S314 - our own page


def _series(svg, index):
    group = next(g for g in svg.iter(f"{SVG}g") if f"chart-series-{index}" in g.get("class", "").split())
    return [float(r.get("data-value")) for r in group.iter(f"{SVG}rect")]


def _table(page):
    details = page[page.index('<details id="usage-numbers">') : page.index("</details>")]
    return re.findall(
        r'<tr><th scope="row">([^<]*)</th><td class="num" data-wh="(\d*)">([^<]*)</td>(.*?)</tr>', details
    )


def test_the_day_has_48_half_hours_from_the_recorded_intervals(client, household):
    page = _get(client, household, view="day", date="2026-11-03").text  # day index 1: 200 + slot Wh
    assert _series(_svg(page), 0) == [(200 + s) / 1000 for s in range(48)]
    rows = _table(page)
    assert len(rows) == 48
    assert rows[0][:3] == ("00:00–00:30", "200", "0,20 kWh") and rows[47][:3] == (
        "23:30–24:00",
        "247",
        "0,25 kWh",
    )
    # 48 × 200 + (0 + … + 47) = 10 728 Wh
    assert "Tổng: <strong>10,7 kWh</strong>" in page
    assert "chart-bands" not in page  # a household's meter is not time-of-use: no shading


def test_a_month_is_one_bar_a_day_and_days_without_data_have_none(client, household):
    page = _get(client, household, view="month", date="2026-11-15").text
    bars = _series(_svg(page), 0)
    # 02/11 to 29/11 have data (day d: 48 × 100 (d + 1) + 1 128 Wh); 01/11 and 30/11 none.
    assert bars == [(4800 * (d + 1) + 1128) / 1000 for d in range(28)]
    rows = _table(page)
    assert len(rows) == 30
    assert rows[0][1] == "" and rows[1][1] == "5928" and rows[29][1] == ""
    assert rows[1][0] == "T2 02/11/2026"


def test_a_week_runs_monday_to_sunday(client, household):
    page = _get(client, household, view="week", date="2026-11-26").text  # a Thursday of the fourth week
    rows = _table(page)
    assert [r[0] for r in rows] == [
        f"{w} {d:02d}/11/2026"
        for w, d in zip(["T2", "T3", "T4", "T5", "T6", "T7", "CN"], range(23, 30), strict=True)
    ]
    assert [int(r[1]) for r in rows] == [4800 * (d + 1) + 1128 for d in range(21, 28)]
    assert 'rel="next"' not in page  # the latest week with data: nothing after it


def test_a_business_day_is_shaded_with_the_time_of_use_periods(client, business):
    page = _get(client, business, view="day", date=MONDAY.isoformat()).text
    svg = _svg(page)
    bands = [
        (b.get("data-band"), float(b.get("x")), float(b.get("width")))
        for b in svg.iter(f"{SVG}rect")
        if b.get("data-band")
    ]
    assert [b[0] for b in bands] == ["Thấp điểm", "Cao điểm"]
    # The plot is 304 units wide from x = 48: a half-hour is 304 / 48 wide; off-peak 00:00–06:00, peak 17:30–22:30.
    half_hour = 304 / 48
    assert bands[0][1:] == pytest.approx((48, 12 * half_hour), abs=0.01)
    assert bands[1][1:] == pytest.approx((48 + 35 * half_hour, 10 * half_hour), abs=0.01)
    periods = [re.sub(r"<[^>]+>", "", r[3]) for r in _table(page)]
    assert (
        periods.count("Cao điểm") == 10
        and periods.count("Thấp điểm") == 12
        and periods.count("Bình thường") == 26
    )
    assert periods[35] == "Cao điểm" and periods[45] == "Bình thường"


def test_a_business_week_splits_every_day_into_periods_and_sunday_has_no_peak(client, business):
    page = _get(client, business, view="week", date=MONDAY.isoformat()).text
    svg = _svg(page)
    # 1 kWh every half-hour: Monday–Saturday 10 kWh peak, 26 normal, 12 off-peak; Sunday 0, 36, 12.
    assert _series(svg, 0) == [10] * 6 + [0]
    assert _series(svg, 1) == [26] * 6 + [36]
    assert _series(svg, 2) == [12] * 7
    rows = _table(page)
    assert re.findall(r">([^<]+)</td>", rows[6][3]) == ["0,0 kWh", "36,0 kWh", "12,0 kWh"]


def test_the_numbers_cost_the_same_queries_for_a_day_a_week_a_month_and_a_replaced_meter(
    client, household, django_assert_num_queries
):
    client.force_login(household.customer.user)
    url = reverse("portal:usage", kwargs={"code": household.code})
    # session, user, customer, account, current meter, last day of data, the day's (week's, month's) sums
    for view in ("day", "week", "month"):
        with django_assert_num_queries(7):
            assert client.get(url, {"view": view, "date": "2026-11-10"}).status_code == 200
    # A second meter (the first replaced on 16/11) adds its intervals in the same query.
    old = MeterInstallation.objects.get(account=household)
    MeterInstallation.objects.filter(pk=old.pk).update(removed_on=dt.date(2026, 11, 16))
    new = Meter.objects.create(serial="M-NEW-0001", kind=Meter.Kind.SMART)
    MeterInstallation.objects.create(
        meter=new, service_point=old.service_point, account=household, installed_on=dt.date(2026, 11, 16)
    )
    _intervals(new, days=1, wh=lambda d, s: 7)  # 02/11: both meters report
    with django_assert_num_queries(7):
        page = client.get(url, {"view": "day", "date": "2026-11-02"}).text
    assert _series(_svg(page), 0)[:2] == [0.107, 0.108]


def test_a_time_of_use_month_adds_one_query_for_the_schedule(client, business, django_assert_num_queries):
    client.force_login(business.customer.user)
    url = reverse("portal:usage", kwargs={"code": business.code})
    for view in ("day", "month"):
        with django_assert_num_queries(8):
            assert client.get(url, {"view": view, "date": "2026-11-10"}).status_code == 200


def test_another_customers_account_is_a_404(client, household, world):
    other = factories.account(world, name="Người khác")
    portal_login(other)
    client.force_login(other.customer.user)
    assert client.get(reverse("portal:usage", kwargs={"code": household.code})).status_code == 404


def test_a_bad_date_shows_the_latest_day_and_says_so(client, household):
    response = _get(client, household, date="29/11/2026", view="year")
    assert response.status_code == 200
    assert "không đúng dạng năm-tháng-ngày" in response.text
    assert _series(_svg(response.text), 0)[0] == (100 * 28) / 1000  # 29/11, the latest day


def test_a_meter_read_monthly_explains_where_the_monthly_use_is(client, world):
    acct = factories.account(world)
    portal_login(acct)
    page = _get(client, acct).text
    assert "chỉ có với công tơ đo xa" in page and "<svg" not in page
