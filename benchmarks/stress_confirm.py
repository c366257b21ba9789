"""Cost of confirming flagged stress lanes exactly (every flagged lane is re-run).

Rows, on the flagged lanes of one seeded run of ``examples/bugs_detected/perp_gap_risk.py``
(GBM vol 2.5, 200 accounts, 50 steps):

- per-lane exact re-run on the standard-library judge (``fractions.Fraction``) vs the same
  rules on GMP rationals (``solvent.backends.concrete_gmp``), on the same sample of lanes,
  with the verdicts compared (they must be identical);
- ``confirm_lanes`` over every flagged lane of the run with ``--workers 1`` and ``2``.

Usage: python benchmarks/stress_confirm.py [PATHS] [SAMPLE]  (default 4000 12)
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from solvent.backends.concrete import CONCRETE
from solvent.scenarios import get
from solvent.scenarios.population import Population
from solvent.spec.load import load_spec
from solvent.stress import confirm
from solvent.stress.blocks import run_blocks
from solvent.stress.metrics import combine
from solvent.stress.runner import StressOptions, prepare

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    paths = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    sample = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    load = os.getloadavg()
    spec = load_spec(str(ROOT / "examples/bugs_detected/perp_gap_risk.py"))
    opts = StressOptions(
        paths=paths, steps=50, seed=1, accounts=200, checkpoint_dir=None, confirm_seconds=0
    )
    spec, job, decls, _notes, _engine = prepare(spec, get("gbm", vol=2.5), Population(), opts)
    tot = combine(run_blocks(job, list(range(job.n_blocks))), len(decls))
    lanes = tot["lanes"]
    print("# exact confirmation of flagged stress lanes\n")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores")
    print(f"run: perp_gap_risk, gbm vol=2.5, {paths:,} paths x 50 steps x 200 accounts, seed 1: "
          f"{len(lanes)} flagged lanes, failing at steps {min(x[1] for x in lanes)}..{max(x[1] for x in lanes)}\n")  # fmt: skip

    rng = np.random.default_rng(0)
    picked = sorted(rng.choice(len(lanes), size=min(sample, len(lanes)), replace=False))
    rebuild = confirm._Lanes(spec, job, {"found_by": "benchmark"})
    traces = [rebuild.trace(lanes[i][0], lanes[i][1]) for i in picked]
    steps = sum(len(t.steps) for t in traces)
    timing = {}
    verdicts = {}
    for name, judge in (("fraction", CONCRETE), ("gmp", None)):
        real = confirm.judge_for
        if judge is not None:
            confirm.judge_for = lambda spec, j=judge: j
        try:
            t = time.perf_counter()
            verdicts[name] = [confirm.exact_first_failure(spec, tr, None, decls) for tr in traces]
            timing[name] = time.perf_counter() - t
        finally:
            confirm.judge_for = real
    same = verdicts["fraction"] == verdicts["gmp"]
    print("| judge | lanes | account-steps | seconds | us per account-step | speed-up |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in ("fraction", "gmp"):
        per = timing[name] / (steps * 200) * 1e6
        print(f"| {name} | {len(traces)} | {steps * 200:,} | {timing[name]:.2f} | {per:.0f} | "
              f"{timing['fraction'] / timing[name]:.2f}x |")  # fmt: skip
    print(f"\nverdicts identical: {same}\n")

    print("| confirm_lanes over every flagged lane | lanes | seconds | lanes/s | speed-up |")
    print("| --- | --- | --- | --- | --- |")
    base = None
    for workers in (1, 2):
        o = replace(opts, workers=workers)
        t = time.perf_counter()
        got = confirm.confirm_lanes(spec, job, lanes, o, {"name": "gbm"}, decls)
        dt = time.perf_counter() - t
        base = base or dt
        assert got["checked"] == len(lanes), got
        print(f"| --workers {workers} | {got['checked']} ({got['confirmed']} confirmed) | {dt:.1f} | "
              f"{got['checked'] / dt:.1f} | {base / dt:.2f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
