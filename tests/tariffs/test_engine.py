"""The pricing engine: hand-worked EVN examples, and properties on random catalogues and accounts."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridcare.tariffs import engine
from tests.tariffs.builders import accounts, catalogues, real_catalogue

D = dt.date
PRICES_2699 = (1893, 1956, 2271, 2860, 3197, 3302)
PRICES_1279 = (1984, 2050, 2380, 2998, 3350, 3460)


def tier_lines(quote):
    return [(line.start, line.tier, line.limit_kwh, line.kwh, line.unit_price) for line in quote.lines]


def test_round_half_up_rounds_halves_up_not_to_even():
    assert engine.round_half_up(5, 2) == 3  # 2.5
    assert engine.round_half_up(7, 2) == 4  # 3.5
    assert engine.round_half_up(1, 3) == 0
    assert engine.round_half_up(2, 3) == 1


def test_vat_of_exactly_half_a_dong_rounds_up_on_both_paths():
    # 87,845 kWh at 1 đồng: VAT 10 % is 8,784.5 đồng → 8,785 (banker's rounding would give 8,784).
    version = engine.Version(
        purpose="residential",
        method=engine.TIERED,
        decision="x",
        active_from=D(2020, 1, 1),
        tiers=((None, 1),),
    )
    catalogue = engine.Catalogue(versions=(version,), vat_rates=(engine.VatRate(D(2020, 1, 1), None, 1000),))
    quote = engine.price_one(catalogue=catalogue, purpose="residential", start=D(2025, 6, 1), end=D(2025, 7, 1),
                             kwh=87_845)  # fmt: skip
    assert (quote.subtotal, quote.vat, quote.total) == (87_845, 8_785, 96_630)
    priced = engine.price_many(
        catalogue=engine.compile_catalogue(catalogue), start=[D(2025, 6, 1).toordinal()], days=[30], kwh=[87_845],
        households=[1], purpose=[0], voltage=[3],
    )  # fmt: skip
    assert priced.vat.tolist() == [8_785]


def test_57_day_period_prorates_tier_limits_by_57_over_30():
    quote = engine.price_one(
        catalogue=real_catalogue(), purpose="residential", start=D(2025, 6, 5), end=D(2025, 8, 1), kwh=500
    )
    assert quote.days == 57
    # round(50 × 57 / 30) = 95, round(100 × 57 / 30) = 190: 95 + 95 + 190 = 380, then 120 in tier 4.
    assert tier_lines(quote) == [
        (D(2025, 6, 5), 1, 95, 95, 1984),
        (D(2025, 6, 5), 2, 95, 95, 2050),
        (D(2025, 6, 5), 3, 190, 190, 2380),
        (D(2025, 6, 5), 4, 190, 120, 2998),
    ]
    subtotal = 95 * 1984 + 95 * 2050 + 190 * 2380 + 120 * 2998
    assert quote.subtotal == subtotal
    assert subtotal == 1_195_190
    assert quote.vat == 95_615  # 8 % in 2025: 95,615.2 → 95,615
    assert quote.total == subtotal + quote.vat


def test_57_day_period_with_the_preceding_month_divisor_uses_57_over_31():
    quote = engine.price_one(
        catalogue=real_catalogue(divisor=engine.DIVISOR_PRECEDING_MONTH),
        purpose="residential", start=D(2025, 6, 5), end=D(2025, 8, 1), kwh=500,
    )  # fmt: skip
    # July has 31 days: round(50 × 57 / 31) = round(91.94) = 92, round(100 × 57 / 31) = round(183.87) = 184.
    assert [(t, limit, kwh) for _, t, limit, kwh, _ in tier_lines(quote)] == [
        (1, 92, 92), (2, 92, 92), (3, 184, 184), (4, 184, 132),
    ]  # fmt: skip


def test_a_price_change_splits_kwh_and_limits_by_days():
    # 20/04 → 20/05/2025: 30 days, 1279 applies from 10/05: Nc = 20 days old prices, Nm = 10 days new.
    quote = engine.price_one(
        catalogue=real_catalogue(), purpose="residential", start=D(2025, 4, 20), end=D(2025, 5, 20), kwh=350
    )
    # kWh_old = round(350 × 20 / 30) = 233, kWh_new = 117; limits round(50 × 20/30) = 33, round(100 × 20/30) = 67,
    # round(50 × 10/30) = 17, round(100 × 10/30) = 33.
    old, new = D(2025, 4, 20), D(2025, 5, 10)
    assert tier_lines(quote) == [
        (old, 1, 33, 33, 1893), (old, 2, 33, 33, 1956), (old, 3, 67, 67, 2271), (old, 4, 67, 67, 2860),
        (old, 5, 67, 33, 3197),
        (new, 1, 17, 17, 1984), (new, 2, 17, 17, 2050), (new, 3, 33, 33, 2380), (new, 4, 33, 33, 2998),
        (new, 5, 33, 17, 3350),
    ]  # fmt: skip
    assert quote.lines[0].end == new and quote.lines[-1].end == D(2025, 5, 20)
    subtotal = (
        33 * 1893
        + 33 * 1956
        + 67 * 2271
        + 67 * 2860
        + 33 * 3197
        + 17 * 1984
        + 17 * 2050
        + 33 * 2380
        + 33 * 2998
        + 17 * 3350
    )
    assert quote.subtotal == subtotal == 879_297
    assert quote.vat == 70_344  # 879,297 × 8% = 70,343.76 → 70,344
    assert quote.decisions == ("2699/QĐ-BCT", "1279/QĐ-BCT")


def test_households_multiply_every_limit():
    quote = engine.price_one(
        catalogue=real_catalogue(), purpose="residential", start=D(2025, 6, 1), end=D(2025, 7, 1), kwh=350,
        households=2,
    )  # fmt: skip
    assert [(t, limit, kwh) for _, t, limit, kwh, _ in tier_lines(quote)] == [
        (1, 100, 100),
        (2, 100, 100),
        (3, 200, 150),
    ]


def test_a_vat_change_splits_the_period_and_each_rate_is_rounded_once():
    # VAT went from 10% to 8% on 01/07/2023, inside the 1062 price version.
    quote = engine.price_one(
        catalogue=real_catalogue(), purpose="residential", start=D(2023, 6, 16), end=D(2023, 7, 16), kwh=100
    )
    assert [(p.start, p.basis_points) for p in quote.vat_parts] == [
        (D(2023, 6, 16), 1000),
        (D(2023, 7, 1), 800),
    ]
    # 15 days each: 50 kWh each part, limits 25 / 25 / rest.
    first = 25 * 1728 + 25 * 1786
    assert [p.subtotal for p in quote.vat_parts] == [first, first]
    # 87,850 × 10 % = 8,785 and 87,850 × 8 % = 7,028, each part rounded on its own (both exact here).
    assert first == 87_850 and quote.vat == 8_785 + 7_028


def test_time_of_use_registers_are_priced_at_their_voltage():
    quote = engine.price_one(
        catalogue=real_catalogue(), purpose="business", voltage="lt6kv", start=D(2025, 6, 1), end=D(2025, 7, 1),
        registers=(1200, 3000, 800),
    )  # fmt: skip
    assert [(line.period, line.kwh, line.unit_price, line.limit_kwh) for line in quote.lines] == [
        ("peak", 1200, 5422, None), ("normal", 3000, 3152, None), ("offpeak", 800, 1918, None),
    ]  # fmt: skip
    assert quote.subtotal == 1200 * 5422 + 3000 * 3152 + 800 * 1918


def test_business_without_time_of_use_metering_pays_the_normal_price():
    quote = engine.price_one(
        catalogue=real_catalogue(), purpose="production", voltage="6to22kv", start=D(2025, 6, 1),
        end=D(2025, 7, 1), kwh=900,
    )  # fmt: skip
    assert [(line.period, line.kwh, line.unit_price) for line in quote.lines] == [("normal", 900, 1899)]


def test_a_five_tier_structure_is_just_data():
    five = engine.Version(
        purpose="residential", method=engine.TIERED, decision="5 bậc", active_from=D(2026, 1, 1),
        tiers=((100, 1000), (100, 2000), (200, 3000), (300, 4000), (None, 5000)),
    )  # fmt: skip
    catalogue = engine.Catalogue(versions=(five,), vat_rates=(engine.VatRate(D(2000, 1, 1), None, 800),))
    quote = engine.price_one(
        catalogue=catalogue, purpose="residential", start=D(2026, 3, 1), end=D(2026, 3, 31), kwh=800
    )
    assert [(line.tier, line.kwh) for line in quote.lines] == [
        (1, 100),
        (2, 100),
        (3, 200),
        (4, 300),
        (5, 100),
    ]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"purpose": "administrative", "kwh": 10}, engine.NoTariff),
        ({"purpose": "residential", "kwh": -1}, engine.InvalidConsumption),
        ({"purpose": "residential", "kwh": 10, "end": D(2025, 6, 1)}, engine.InvalidPeriod),
        (
            {"purpose": "residential", "kwh": 10, "start": D(2022, 6, 1), "end": D(2022, 7, 1)},
            engine.NoTariff,
        ),
    ],
)
def test_unpriceable_consumptions_raise(kwargs, error):
    kwargs = {"start": D(2025, 6, 1), "end": D(2025, 7, 1), **kwargs}
    with pytest.raises(error):
        engine.price_one(catalogue=real_catalogue(), **kwargs)


# --- properties ----------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def scalar_or_none(catalogue, purpose, start, end, kwh, registers, households, voltage):
    try:
        return engine.price_one(
            catalogue=catalogue, purpose=purpose, start=start, end=end, kwh=kwh, registers=registers,
            households=households, voltage=voltage,
        )  # fmt: skip
    except (engine.NoTariff, engine.NoVatRate):
        return None


@PROPERTY
@given(catalogue=catalogues(), batch=st.lists(accounts(), min_size=1, max_size=25))
def test_vectorised_and_scalar_paths_agree(catalogue, batch):
    compiled = engine.compile_catalogue(catalogue)
    priced = engine.price_many(
        catalogue=compiled,
        start=[a[1].toordinal() for a in batch],
        days=[(a[2] - a[1]).days for a in batch],
        kwh=[a[3] for a in batch],
        registers=np.array([a[4] for a in batch]),
        households=[a[5] for a in batch],
        purpose=[engine.PURPOSES.index(a[0]) for a in batch],
        voltage=[engine.VOLTAGES.index(a[6]) for a in batch],
        account=np.arange(len(batch)) + 1000,
        chunk_size=7,
    )
    assert (priced.line_account == 1000 + priced.line_row).all()
    assert (np.diff(priced.line_row) >= 0).all()  # lines come in account order
    for i, args in enumerate(batch):
        quote = scalar_or_none(catalogue, *args)
        rows = priced.line_account == 1000 + i
        assert bool(priced.unpriced[i]) == (quote is None)
        if quote is None:
            assert not rows.any() and priced.total[i] == 0
            continue
        vector_lines = list(
            zip(
                priced.line_start[rows], priced.line_end[rows], priced.line_tier[rows], priced.line_period[rows],
                priced.line_limit[rows], priced.line_kwh[rows], priced.line_unit_price[rows], priced.line_amount[rows],
                strict=True,
            )
        )  # fmt: skip
        scalar_lines = [
            (
                line.start.toordinal(), line.end.toordinal(), line.tier or 0,
                engine.PERIODS.index(line.period) + 1 if line.period else 0,
                -1 if line.limit_kwh is None else line.limit_kwh, line.kwh, line.unit_price, line.amount,
            )
            for line in quote.lines
        ]  # fmt: skip
        assert [tuple(int(x) for x in row) for row in vector_lines] == scalar_lines
        assert (priced.subtotal[i], priced.vat[i], priced.total[i]) == (
            quote.subtotal,
            quote.vat,
            quote.total,
        )


@PROPERTY
@given(catalogue=catalogues(), account=accounts(), extra=st.integers(1, 500), register=st.integers(0, 2))
def test_a_bill_never_decreases_when_consumption_increases(catalogue, account, extra, register):
    purpose, start, end, kwh, registers, households, voltage = account
    more = list(registers)
    more[register] += extra
    if registers == (0, kwh, 0) and register != 1:
        more = [0, kwh + extra, 0]
    low = scalar_or_none(catalogue, purpose, start, end, kwh, registers, households, voltage)
    high = scalar_or_none(catalogue, purpose, start, end, sum(more), tuple(more), households, voltage)
    if low is not None:
        assert high.subtotal >= low.subtotal
        assert high.total >= low.total


@PROPERTY
@given(catalogue=catalogues(), account=accounts())
def test_line_kwh_add_up_to_the_consumption(catalogue, account):
    quote = scalar_or_none(catalogue, *account)
    if quote is not None:
        assert sum(line.kwh for line in quote.lines) == account[3]
        assert quote.subtotal == sum(line.amount for line in quote.lines)
        for period in engine.PERIODS:
            if catalogue.version_on(purpose=account[0], day=account[1]).method == engine.TIME_OF_USE:
                expected = account[4][engine.PERIODS.index(period)]
                assert sum(line.kwh for line in quote.lines if line.period == period) == expected


@PROPERTY
@given(
    tiers_=st.lists(st.tuples(st.integers(1, 300), st.integers(0, 6000)), min_size=0, max_size=5),
    last_price=st.integers(0, 6000),
    days=st.integers(1, 80),
    kwh=st.integers(0, 10_000),
    households=st.integers(1, 4),
    divisor=st.sampled_from([30, 0]),
    rate=st.sampled_from([0, 800, 1000]),
)
def test_a_period_crossing_no_change_is_the_plain_tier_calculation(
    tiers_, last_price, days, kwh, households, divisor, rate
):
    start = D(2026, 2, 3)
    end = start + dt.timedelta(days=days)
    version = engine.Version(
        purpose="residential", method=engine.TIERED, decision="x", active_from=D(2020, 1, 1), divisor=divisor,
        tiers=(*tiers_, (None, last_price)),
    )  # fmt: skip
    catalogue = engine.Catalogue(versions=(version,), vat_rates=(engine.VatRate(D(2020, 1, 1), None, rate),))
    quote = engine.price_one(
        catalogue=catalogue, purpose="residential", start=start, end=end, kwh=kwh, households=households
    )
    # The plain calculation, written independently: fill each prorated tier in turn.
    month_days = divisor or (end.replace(day=1) - dt.timedelta(days=1)).day
    rest, subtotal = kwh, 0
    for limit, price in tiers_:
        prorated = (2 * limit * days * households + month_days) // (2 * month_days)  # half-up, in integers
        taken = min(rest, prorated)
        subtotal += taken * price
        rest -= taken
    subtotal += rest * last_price
    assert quote.subtotal == subtotal
    assert (
        quote.vat == (2 * subtotal * rate + 10_000) // 20_000
    )  # half-up of subtotal × rate / 10,000, in integers
    assert {line.start for line in quote.lines} <= {start}


def _with_last_purpose(catalogue: engine.Catalogue) -> engine.Catalogue:
    """The real catalogue plus a tiered version of the last purpose (what numpy's index -1 picks)."""
    admin = engine.Version(
        purpose=engine.PURPOSES[-1], method=engine.TIERED, decision="test", active_from=D(2025, 1, 1),
        tiers=((None, 2000),),
    )  # fmt: skip
    return engine.Catalogue(versions=(*catalogue.versions, admin), vat_rates=catalogue.vat_rates)


@pytest.mark.parametrize("code", [-1, len(engine.PURPOSES), 99])
def test_an_unknown_purpose_code_is_no_tariff_never_another_purpose(code):
    compiled = engine.compile_catalogue(_with_last_purpose(real_catalogue()))
    residential = engine.PURPOSES.index("residential")
    priced = engine.price_many(
        catalogue=compiled, start=np.array([D(2025, 6, 5).toordinal()] * 2), days=np.array([30, 30]),
        kwh=np.array([100, 100]), households=np.array([1, 1]), purpose=np.array([code, residential]),
    )  # fmt: skip
    assert priced.unpriced.tolist() == [True, False]
    assert priced.total[0] == 0 and set(priced.line_row.tolist()) == {1}


def test_an_unknown_voltage_code_has_no_time_of_use_price():
    compiled = engine.compile_catalogue(real_catalogue())
    business = engine.PURPOSES.index("business")
    lt6kv = engine.VOLTAGES.index("lt6kv")
    priced = engine.price_many(
        catalogue=compiled, start=np.array([D(2025, 6, 5).toordinal()] * 2), days=np.array([30, 30]),
        kwh=np.array([100, 100]), households=np.array([1, 1]), purpose=np.array([business, business]),
        voltage=np.array([-1, lt6kv]),
    )  # fmt: skip
    assert priced.unpriced.tolist() == [True, False]
    # 100 kWh at the normal price of 1279 below 6 kV, VAT 8% (half up): integers worked by hand.
    assert priced.subtotal[1] == 100 * 3152 and priced.total[1] == 315_200 + 25_216
