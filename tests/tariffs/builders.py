"""Engine catalogues for tests: the loaded one (from the data migration's tables) and random ones."""

import datetime as dt
import importlib

from hypothesis import strategies as st

from gridcare.tariffs import engine

catalogue_data = importlib.import_module("gridcare.tariffs.migrations.0002_catalogue")


def real_catalogue(*, divisor: int = 30) -> engine.Catalogue:
    """The catalogue the data migration loads, built without a database."""
    versions = [
        engine.Version(
            purpose="residential", method=engine.TIERED, decision=decision, active_from=start, active_to=end,
            divisor=divisor, tiers=tuple(zip(catalogue_data.RESIDENTIAL_LIMITS, prices, strict=True)),
        )
        for start, end, decision, _date, _conf, prices, _note in catalogue_data.RESIDENTIAL
    ]  # fmt: skip
    for purpose, by_voltage in catalogue_data.TIME_OF_USE_1279.items():
        prices = {
            (voltage, period): price
            for voltage, triple in by_voltage.items()
            for period, price in zip(("normal", "offpeak", "peak"), triple, strict=True)
        }
        versions.append(
            engine.Version(
                purpose=purpose, method=engine.TIME_OF_USE, decision="1279/QĐ-BCT",
                active_from=dt.date(2025, 5, 10), tou_prices=prices,
            )
        )  # fmt: skip
    vat = tuple(
        engine.VatRate(active_from=a, active_to=b, basis_points=int(rate) * 100)
        for a, b, rate, _basis, _conf in catalogue_data.VAT
    )
    return engine.Catalogue(versions=tuple(versions), vat_rates=vat)


DAY0 = dt.date(2025, 1, 1)


@st.composite
def tiers(draw):
    count = draw(st.integers(1, 6))
    limits = draw(st.lists(st.integers(1, 300), min_size=count - 1, max_size=count - 1))
    prices = draw(st.lists(st.integers(0, 6000), min_size=count, max_size=count))
    return tuple(zip([*limits, None], prices, strict=True))


@st.composite
def catalogues(draw):
    """A random catalogue: 1–4 residential and business versions, 1–3 VAT rates, changes within 2025."""
    versions = []
    for purpose, method in (("residential", engine.TIERED), ("business", engine.TIME_OF_USE)):
        cuts = sorted(draw(st.sets(st.integers(0, 300), min_size=1, max_size=4)))
        bounds = [DAY0 + dt.timedelta(days=c) for c in cuts] + [None]
        for start, end in zip(bounds, bounds[1:], strict=False):
            prices = {}
            if method == engine.TIME_OF_USE:
                # One voltage level may be missing to exercise "no price for that voltage".
                voltages = draw(st.sets(st.sampled_from(engine.VOLTAGES), min_size=3, max_size=4))
                for voltage in voltages:
                    for period in engine.PERIODS:
                        prices[(voltage, period)] = draw(st.integers(0, 6000))
            versions.append(
                engine.Version(
                    purpose=purpose, method=method, decision=f"{purpose}-{start}", active_from=start,
                    active_to=end, divisor=draw(st.sampled_from([30, 0])),
                    tiers=draw(tiers()) if method == engine.TIERED else (), tou_prices=prices,
                )
            )  # fmt: skip
    vat_cuts = sorted(draw(st.sets(st.integers(1, 300), max_size=2)))
    bounds = [dt.date(2000, 1, 1), *(DAY0 + dt.timedelta(days=c) for c in vat_cuts), None]
    vat = tuple(
        engine.VatRate(
            active_from=a, active_to=b, basis_points=draw(st.sampled_from([0, 500, 800, 1000, 1050]))
        )
        for a, b in zip(bounds, bounds[1:], strict=False)
    )
    return engine.Catalogue(versions=tuple(versions), vat_rates=vat)


@st.composite
def accounts(draw):
    """One account's period and consumption: (purpose, start, end, kwh, registers, households, voltage)."""
    purpose = draw(st.sampled_from(["residential", "business"]))
    start = DAY0 + dt.timedelta(days=draw(st.integers(-20, 330)))
    end = start + dt.timedelta(days=draw(st.integers(1, 75)))
    registers = tuple(draw(st.lists(st.integers(0, 4000), min_size=3, max_size=3)))
    if purpose == "business" and draw(st.booleans()):
        kwh, registers = sum(registers), registers
    else:
        kwh = draw(st.integers(0, 12_000))
        registers = (0, kwh, 0)
    return (
        purpose,
        start,
        end,
        kwh,
        registers,
        draw(st.integers(1, 4)),
        draw(st.sampled_from(engine.VOLTAGES)),
    )
