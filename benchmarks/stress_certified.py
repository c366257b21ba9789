"""Certified lanes (issue 16): the share of flagged lanes the error bounds settle, the
cost of an exact re-run, and the speed of the bounded kernel against the unbounded one.

    python benchmarks/stress_certified.py share     # crash and GBM/merton runs
    python benchmarks/stress_certified.py rerun [N] # exact re-run of the N earliest certain lanes
    python benchmarks/stress_certified.py kernel [REPEATS]   # bounded vs unbounded kernel
    python benchmarks/stress_certified.py cone [N]  # N earliest certain lanes: cone vs whole

``kernel`` extracts the commit before the error bounds (33bcdab, no bounds) and the one
before issue 16 (6f4821b, bounds without the cancellation rules) with ``git archive``, adds
this tree's kernel generated without the bounds (``generate(bounds=False)``), and
times ``run_kernel`` on the same drawn block (65,536 paths x 100 steps x 1 account of
``examples/correct/perp_isolated.py``, GBM) in alternating subprocesses, each with its own
kernel cache (process CPU time, minimum of REPEATS runs per process, median of the
per-round ratios).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = str(ROOT / "examples/correct/perp_isolated.py")
RUNS = [
    ("black-thursday-2020 (BTC)", "black-thursday-2020", {"asset": "BTC"}, 2000, None, 100),
    ("merton", "merton", {}, 100_000, 100, 10),
    ("gbm vol 2.5", "gbm", {"vol": 2.5}, 100_000, 100, 10),
]


def _load() -> str:
    a, b, c = os.getloadavg()
    return f"load average {a:.2f} {b:.2f} {c:.2f} ({os.cpu_count()} cores)"


def share() -> None:
    from solvent.scenarios import get
    from solvent.scenarios.population import Population
    from solvent.spec.load import load_spec
    from solvent.stress.blocks import run_blocks
    from solvent.stress.metrics import combine
    from solvent.stress.runner import StressOptions, prepare

    print(
        "| run | paths x steps x accounts | flagged | certain | undecided | certified share of flagged | simulate s (wall) | load |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, name, kw, paths, steps, accounts in RUNS:
        opts = StressOptions(
            paths=paths, steps=steps, seed=0, accounts=accounts, checkpoint_dir=None
        )
        spec, job, decls, _n, _e = prepare(load_spec(SPEC), get(name, **kw), Population(), opts)
        t = time.perf_counter()
        tot = combine(run_blocks(job, list(range(job.n_blocks))), len(decls))
        wall = time.perf_counter() - t
        flagged, certain = tot["fail"], len(tot["certain"])
        pct = f"{100 * certain / flagged:.2f}%" if flagged else "n/a (none flagged)"
        print(f"| {label} | {paths:,} x {job.steps} x {accounts} | {flagged:,} | {certain:,} | "
              f"{tot['undecided']:,} | {pct} | {wall:.1f} | {_load()} |")  # fmt: skip


def _crash_lanes() -> tuple:
    """The 2020-03-12 crash run (2,000 x 863 x 100): its spec, job, properties, certain
    lanes (earliest flagged step first) and the rebuilder of a lane's trace."""
    from solvent.scenarios import get
    from solvent.scenarios.population import Population
    from solvent.spec.load import load_spec
    from solvent.stress.blocks import run_blocks
    from solvent.stress.confirm import _Lanes
    from solvent.stress.metrics import combine
    from solvent.stress.runner import StressOptions, prepare

    opts = StressOptions(paths=2000, seed=0, accounts=100, checkpoint_dir=None)
    scenario = get("black-thursday-2020", asset="BTC")
    spec, job, decls, _n, _e = prepare(load_spec(SPEC), scenario, Population(), opts)
    tot = combine(run_blocks(job, list(range(job.n_blocks))), len(decls))
    lanes = sorted(tot["certain"], key=lambda c: (c[1], c[0]))
    return spec, job, decls, lanes, _Lanes(spec, job, {})


def rerun() -> None:
    from solvent.stress.confirm import exact_first_failure

    spec, job, decls, lanes, rebuild = _crash_lanes()
    head = "| lane | steps re-run | accounts | wall s | CPU s | account-steps per CPU s | load |"
    print(head)
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for path, step, _k in lanes[: int(sys.argv[2]) if len(sys.argv) > 2 else 1]:
        trace = rebuild.trace(path, step)
        t, c = time.perf_counter(), time.process_time()
        hit = exact_first_failure(spec, trace, None, decls)
        s, cpu = time.perf_counter() - t, time.process_time() - c
        assert hit is not None and hit.step == step
        work = step * job.accounts
        print(f"| {path} | {step} | {job.accounts} | {s:.1f} | {cpu:.1f} | {work / cpu:,.0f} "
              f"({1e6 * cpu / work:,.0f} us each) | {_load()} |")  # fmt: skip


def cone() -> None:
    """The replay of a certain lane up to its flagged step on its cone of influence
    (solvent.stress.cone: the accounts whose keeper acted, at the steps it acted) against
    the replay of every account, paired lane by lane, same verdict asserted."""
    from solvent.stress import cone as cone_mod
    from solvent.stress.confirm import _OutOfTime, exact_first_failure, judge_for

    spec, job, decls, lanes, rebuild = _crash_lanes()
    print("| lane | steps | accounts in the cone | account-steps run (whole / cone) | "
          "CPU s whole | CPU s cone | ratio | account-steps per CPU s (whole / cone) "
          "| load |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for path, step, _k in lanes[: int(sys.argv[2]) if len(sys.argv) > 2 else 1]:
        trace = rebuild.trace(path, step)
        b, lane = divmod(path, job.block)
        c = time.process_time()
        whole = exact_first_failure(spec, trace, None, decls)
        cpu_whole = time.process_time() - c
        c = time.process_time()
        hit, n, ran = cone_mod.cone_failure(
            spec, job, rebuild.blocks[b], lane, trace, decls, judge_for(spec), None, _OutOfTime
        )
        cpu_cone = time.process_time() - c
        assert (hit.name, hit.account, hit.step) == (whole.name, whole.account, whole.step)
        work = step * job.accounts
        print(f"| {path} | {step} | {n} of {job.accounts} | {work:,} / {ran:,} | "
              f"{cpu_whole:.2f} | {cpu_cone:.2f} | {cpu_whole / cpu_cone:.0f}x | "
              f"{work / cpu_whole:,.0f} / {ran / cpu_cone:,.0f} | {_load()} |")  # fmt: skip


_TIMER = """
import sys, time
import numpy as np
from solvent.scenarios import get
from solvent.scenarios.population import Population
from solvent.spec.load import load_spec
from solvent.stress.blocks import draw_block, run_kernel
from solvent.stress.runner import StressOptions, prepare
if len(sys.argv) > 3:  # this tree's kernel generated without the error bounds
    import solvent.stress.kernel as kernel_mod, solvent.stress.plan as plan_mod
    plan_mod.generate = lambda *a, **k: kernel_mod.generate(*a, bounds=False, **k)
opts = StressOptions(paths=65536, steps=100, seed=1, accounts=1, block=65536, checkpoint_dir=None)
spec, job, *_ = prepare(load_spec(sys.argv[1]), get("gbm"), Population(), opts)
x = draw_block(job, 0)
run_kernel(job, x)  # compile or load, warm
best = min(
    (lambda t: (run_kernel(job, x), time.process_time() - t)[1])(time.process_time())
    for _ in range(int(sys.argv[2]))
)
print(best)
"""


def kernel(repeats: int = 5) -> None:
    work = Path(tempfile.mkdtemp(prefix="solvent-bench-"))
    trees = {"no bounds (33bcdab)": "33bcdab", "bounds, issue 25 (6f4821b)": "6f4821b"}
    env0 = dict(os.environ)
    runs: dict[str, str] = {}
    for label, rev in trees.items():
        dest = work / rev
        dest.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True,
                                 capture_output=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        runs[label] = str(dest / "src")
    runs["bounds, this tree"] = str(ROOT / "src")
    runs["no bounds, this tree (generate(bounds=False))"] = str(ROOT / "src")
    times: dict[str, list[float]] = {k: [] for k in runs}
    print(f"before: {_load()}")
    for _round in range(3):
        for label, src in runs.items():
            plain = label.startswith("no bounds, this tree")
            cache = work / "cache" / (Path(src).parent.name + ("-plain" if plain else ""))
            env = dict(env0, PYTHONPATH=src, SOLVENT_CACHE_DIR=str(cache))
            argv = [sys.executable, "-c", _TIMER, SPEC, str(repeats), *(["plain"] if plain else [])]
            out = subprocess.run(argv, env=env, check=True, capture_output=True,
                                 text=True).stdout  # fmt: skip
            times[label].append(float(out.strip().splitlines()[-1]))
    base = times["no bounds (33bcdab)"]
    plain = times["no bounds, this tree (generate(bounds=False))"]
    paired = statistics.median(
        t / b for t, b in zip(times["bounds, this tree"], plain, strict=True)
    )
    print(
        "| kernel | CPU s per block (min of runs, per round) | ratio to no bounds (median of rounds) |"
    )
    print("| --- | --- | --- |")
    for label, ts in times.items():
        ratio = statistics.median(t / b for t, b in zip(ts, base, strict=True))
        print(f"| {label} | {', '.join(f'{t:.3f}' for t in ts)} | {ratio:.2f}x |")
    print(f"bounds vs no bounds, this tree, paired per round (median): {paired:.2f}x")
    print(f"after: {_load()}")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "share"
    if what == "kernel":
        kernel(int(sys.argv[2]) if len(sys.argv) > 2 else 5)
    else:
        {"share": share, "rerun": rerun, "cone": cone}[what]()
