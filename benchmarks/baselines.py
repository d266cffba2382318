"""Benchmark of the demand-response baseline engine: all participants in one pass against a per-participant loop.

    python benchmarks/baselines.py [--participants 10000] [--days 60] [--sample 300]

Generates 30-minute loads for N participants over D days (random daily profiles, about 1 % of days with a
missing interval, outage days for some participants, one earlier event day, Vietnam's public holidays),
computes CAISO 10-in-10 baselines with its same-day adjustment (ratio, capped at ±20 %) for an event from
17:00 to 20:00 on the last day with `flexibility.baselines.baseline` (timed: the whole call, from the array),
then the same rule for a sample of participants with the plain-Python loop of `tests/flexibility/naive.py`
(one participant, one day at a time; timed without the conversion of its input to lists) and with the engine
called once per participant. Each is run `--repeat` times and the fastest run counts. It checks that all three agree
on the sample and prints last

Both sides run on one core: the plain loop is single-threaded, and the engine's matrix-vector products are BLAS
calls that OpenBLAS would otherwise spread over two threads, which on a shared machine wait for each other (a run
at load average 8 took 5× longer with two threads than with one). So the script sets `OPENBLAS_NUM_THREADS=1`
(and `OMP_NUM_THREADS`, `MKL_NUM_THREADS`) before numpy is imported, unless they are set already. Throughput and
ratio are wall-clock against wall-clock; the CPU-time figures (also one core each) are printed beside them, with
the load average.

    RESULT baselines participants=<n> per_s=<n> naive_per_s=<n> ratio=<n>
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")  # one core each side (see above); before numpy is imported

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # the plain loop of the test suite

from tests.flexibility.naive import naive_baseline  # noqa: E402

from gridcare.flexibility import baselines  # noqa: E402


def generate(rng, participants: int, days: int) -> np.ndarray:
    """Loads (kWh per 30 minutes) of industrial customers: a day-and-night shape, a level, noise, gaps."""
    hours = np.arange(48) / 2
    shape = 0.6 + 0.4 * np.exp(-(((hours - 14) / 5) ** 2))
    level = rng.lognormal(mean=5.0, sigma=0.8, size=(participants, 1, 1))  # ≈ 150 kWh / 30 min
    daily = rng.normal(1.0, 0.08, size=(participants, days, 1))
    loads = level * daily * shape * rng.normal(1.0, 0.05, size=(participants, days, 48))
    loads = np.round(np.maximum(loads, 0.0), 3)  # whole Wh, as the import stores them
    holes = rng.random((participants, days)) < 0.01
    loads[np.nonzero(holes)[0], np.nonzero(holes)[1], rng.integers(0, 48, holes.sum())] = np.nan
    return loads


def best_of(repeat: int, run):
    """The shortest of `repeat` runs (the machine is shared: the others include its noise), and the result."""
    timings = []
    for _ in range(repeat):
        began, cpu = time.perf_counter(), time.process_time()
        outcome = run()
        timings.append((time.perf_counter() - began, time.process_time() - cpu))
    return min(timings), outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each, the fastest counts")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    n, d = args.participants, args.days
    event_day = dt.date(2026, 6, 16)  # a Tuesday
    days = [event_day - dt.timedelta(days=d - 1 - k) for k in range(d)]
    loads = generate(rng, n, d)
    outages = rng.random((n, d)) < 0.02
    earlier_events = [event_day - dt.timedelta(days=6)]
    holidays = baselines.vietnam_holidays(
        first_year=days[0].year, last_year=event_day.year
    )  # outside the hot path
    window = baselines.window_at(start=dt.time(17), end=dt.time(20))
    params = baselines.PRESETS["caiso-10-in-10"]
    common = {"days": days, "event_day": event_day, "window": window, "params": params, "holidays": holidays,
              "excluded_dates": earlier_events}  # fmt: skip

    vector_seconds, result = best_of(
        args.repeat, lambda: baselines.baseline(loads=loads, excluded=outages, **common)
    )
    with_baseline = int(result.has_baseline.sum())
    adjusted = int((~np.isnan(result.adjustment)).sum())

    sample = min(args.sample, n)
    picked = rng.choice(n, size=sample, replace=False)
    as_lists = [loads[p].tolist() for p in picked]  # the plain loop's input, prepared untimed
    outage_lists = [outages[p].tolist() for p in picked]
    naive_seconds, naive = best_of(
        args.repeat,
        lambda: [naive_baseline(load=as_lists[k], excluded=outage_lists[k], **common) for k in range(sample)],
    )
    one_by_one_seconds, one_by_one = best_of(
        args.repeat,
        lambda: [
            baselines.baseline(loads=loads[p : p + 1], excluded=outages[p : p + 1], **common) for p in picked
        ],
    )

    for k, p in enumerate(picked.tolist()):
        chosen, values, adjustment = naive[k]
        single = one_by_one[k]
        assert result.selected_days(p) == chosen == single.selected_days(0), (
            f"participant {p}: selected days differ"
        )
        if values is None:
            assert not result.has_baseline[p] and not single.has_baseline[0], (
                f"participant {p}: baseline differs"
            )
            continue
        assert np.allclose(result.baseline_kwh[p], values, rtol=1e-9, atol=1e-9), (
            f"participant {p}: baseline differs"
        )
        assert np.allclose(result.baseline_kwh[p], single.baseline_kwh[0], rtol=1e-12), (
            f"participant {p}: one-by-one differs"
        )
        if adjustment is None:
            assert np.isnan(result.adjustment[p])
        else:
            assert abs(result.adjustment[p] - adjustment) < 1e-9, f"participant {p}: adjustment differs"

    (vector_seconds, vector_cpu), (naive_seconds, naive_cpu) = vector_seconds, naive_seconds
    one_by_one_seconds = one_by_one_seconds[0]
    per_s = n / vector_seconds
    naive_per_s = sample / naive_seconds
    one_by_one_per_s = sample / one_by_one_seconds
    print(
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}"
    )
    print(f"loads: {n:,} participants × {d} days × 48 intervals ({loads.nbytes / 2**20:,.0f} MiB float64)")
    print(
        f"CAISO 10-in-10, event 17:00–20:00 on {event_day}: {with_baseline:,} baselines, {adjusted:,} adjusted"
    )
    print(
        f"vectorised: {vector_seconds:.3f} s, {per_s:,.0f} participants/s (CPU time {vector_cpu:.3f} s: {n / vector_cpu:,.0f}/s)"
    )
    print(
        f"plain Python loop: {sample} participants in {naive_seconds:.3f} s, {naive_per_s:,.0f} participants/s "
        f"(CPU time: {sample / naive_cpu:,.0f}/s, ratio {naive_cpu * n / sample / vector_cpu:.1f})"
    )
    print(
        f"the engine called once per participant: {one_by_one_per_s:,.0f} participants/s (ratio {per_s / one_by_one_per_s:.1f})"
    )
    print("sample: vectorised, plain loop and one-by-one agree")
    print(
        f"RESULT baselines participants={n} per_s={per_s:.0f} naive_per_s={naive_per_s:.0f} ratio={per_s / naive_per_s:.1f}"
    )


if __name__ == "__main__":
    main()
