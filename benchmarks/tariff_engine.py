"""Benchmark of the tariff engine: the vectorised path against the scalar one, per account.

    python benchmarks/tariff_engine.py [--accounts 1000000] [--scalar-sample 20000]

Prices `--accounts` random residential accounts (reading periods of 28–60 days in 2024–2025, so that
many cross the 10/05/2025 and 11/10/2024 price changes; 1–3 households; 0–1,500 kWh) with
`engine.price_many` over the catalogue the data migration loads, then a sample of them with
`engine.price_one`, one call per account, checks that both agree on the sample, and prints

    RESULT tariff_engine accounts=<n> accounts_per_s=<n> scalar_accounts_per_s=<n> ratio=<n>
"""

import argparse
import datetime as dt
import importlib
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from gridcare.tariffs import engine  # noqa: E402


def catalogue() -> engine.Catalogue:
    """The catalogue of the data migration, as engine data (no database needed)."""
    data = importlib.import_module("gridcare.tariffs.migrations.0002_catalogue")
    versions = tuple(
        engine.Version(
            purpose="residential", method=engine.TIERED, decision=decision, active_from=start, active_to=end,
            tiers=tuple(zip(data.RESIDENTIAL_LIMITS, prices, strict=True)),
        )
        for start, end, decision, _date, _conf, prices, _note in data.RESIDENTIAL
    )  # fmt: skip
    vat = tuple(engine.VatRate(a, b, int(rate) * 100) for a, b, rate, _basis, _conf in data.VAT)
    return engine.Catalogue(versions=versions, vat_rates=vat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--scalar-sample", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20250510)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    n = args.accounts
    first = dt.date(2024, 1, 1).toordinal()
    start = first + rng.integers(0, 700, n)
    days = np.where(rng.random(n) < 0.9, rng.integers(28, 33, n), rng.integers(33, 61, n))
    kwh = np.minimum(rng.lognormal(5.2, 0.7, n).astype(np.int64), 1_500)
    households = rng.choice([1, 1, 1, 1, 2, 3], n)
    purpose = np.zeros(n, dtype=np.int64)

    plain = catalogue()
    began = time.perf_counter()
    compiled = engine.compile_catalogue(plain)
    priced = engine.price_many(
        catalogue=compiled, start=start, days=days, kwh=kwh, households=households, purpose=purpose
    )
    vector_seconds = time.perf_counter() - began
    assert not priced.unpriced.any()

    sample = min(args.scalar_sample, n)
    began = time.perf_counter()
    totals = [
        engine.price_one(
            catalogue=plain, purpose="residential", start=dt.date.fromordinal(int(start[i])),
            end=dt.date.fromordinal(int(start[i] + days[i])), kwh=int(kwh[i]), households=int(households[i]),
        ).total
        for i in range(sample)
    ]  # fmt: skip
    scalar_seconds = time.perf_counter() - began
    assert totals == priced.total[:sample].tolist(), "vectorised and scalar totals differ"

    accounts_per_s = n / vector_seconds
    scalar_per_s = sample / scalar_seconds
    print(
        f"lines={len(priced.line_kwh)} billed={int(priced.total.sum()):,} VND "
        f"vectorised={vector_seconds:.2f}s scalar_sample={sample} in {scalar_seconds:.2f}s"
    )
    print(
        f"RESULT tariff_engine accounts={n} accounts_per_s={accounts_per_s:.0f} "
        f"scalar_accounts_per_s={scalar_per_s:.0f} ratio={accounts_per_s / scalar_per_s:.1f}"
    )


if __name__ == "__main__":
    main()
