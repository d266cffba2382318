"""benchmarks/baselines.py runs and its vectorised, plain-loop and one-by-one results agree (it asserts so)."""

import subprocess
import sys

from tests.processes import ROOT


def test_the_benchmark_runs_small_and_prints_its_result_line():
    completed = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "benchmarks" / "baselines.py"), "--participants", "300", "--days", "40",
         "--sample", "60", "--repeat", "1"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.strip().splitlines()
    assert "agree" in lines[-2]
    assert lines[-1].startswith("RESULT baselines participants=300 per_s=")
    assert " naive_per_s=" in lines[-1] and " ratio=" in lines[-1]
