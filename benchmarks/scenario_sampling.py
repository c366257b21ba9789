"""Benchmark: how long each scenario takes to draw one block of returns.

    python benchmarks/scenario_sampling.py     # writes benchmarks/results/scenario_sampling.md

For every built-in random scenario, ``sample(rng, 100_000, 100)`` (10 million returns, the
size of one stress chunk) is timed, best of 3, next to the baseline measured in the same
run: ``rng.standard_normal((100_000, 100))`` alone, the floor for any Gaussian process.
Also timed: reading and validating the shipped 1-minute perp file (2880 bars) in a fresh
process, and sampling its replay.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import solvent.scenarios as sc

PATHS, STEPS, REPEATS = 100_000, 100, 3
OUT = Path(__file__).parent / "results" / "scenario_sampling.md"


def best(fn) -> float:  # noqa: ANN001
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    base = best(lambda: rng.standard_normal((PATHS, STEPS)))
    rows = []
    for name in ("gbm", "merton", "garch", "student-t", "bootstrap", "correlated"):
        s = sc.get(name)
        t = best(lambda s=s: s.sample(rng, PATHS, STEPS))
        rows.append((name, s.n_assets, t, t / base))
    replay = sc.get("black-thursday-2020-perp")
    t_replay = best(lambda: replay.sample(rng, PATHS, None))
    load = (
        "import time; t = time.perf_counter(); import solvent.scenarios as sc; "
        "sc.get('black-thursday-2020-perp'); print(time.perf_counter() - t)"
    )
    cold = float(
        subprocess.run(
            [sys.executable, "-c", load], capture_output=True, text=True, check=True
        ).stdout
    )
    load_avg = os.getloadavg()[0]
    lines = [
        "# Scenario sampling speed",
        "",
        "Command: `python benchmarks/scenario_sampling.py` (best of 3 per row, one run).",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores shared with other jobs, "
        f"load average {load_avg:.2f} at the end; Python {platform.python_version()}, "
        f"NumPy {np.__version__}.",
        "",
        f"One block of {PATHS:,} paths × {STEPS} steps. Baseline, measured in the same run: "
        f"`rng.standard_normal(({PATHS:_}, {STEPS}))` = {base:.3f} s.",
        "",
        "| scenario | assets | seconds | returns per second (all assets) | × baseline |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, n_assets, t, ratio in rows:
        rate = PATHS * STEPS * n_assets / t
        lines.append(f"| `{name}` | {n_assets} | {t:.3f} | {rate / 1e6:.1f} M | {ratio:.2f} |")
    lines += [
        "",
        f"Replay `black-thursday-2020-perp` ({replay.native_steps} steps) for {PATHS:,} paths: "
        f"{t_replay * 1e6:.0f} µs (a broadcast view; no copy).",
        f"Import of `solvent.scenarios` plus reading and validating its 2880-bar CSV in a "
        f"fresh process: {cold:.3f} s.",
        "",
    ]
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
