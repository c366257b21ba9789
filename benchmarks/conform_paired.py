"""Benchmark: `solvent conform` on the Python engine example, this tree paired against a
baseline checkout of the repository, both run as the user runs them.

    git archive <baseline-commit> src examples | tar -x -C /tmp/base
    PYTHONPATH=src python benchmarks/conform_paired.py /tmp/base           # markdown rows
    PYTHONPATH=src python benchmarks/conform_paired.py /tmp/base --quick   # one run each

Each command runs as its own process (``python -m solvent conform ...`` with the tree's
``src`` on ``PYTHONPATH``), the baseline and this tree alternately, ``REPEATS`` times; the
CPU column is the process's user + system time (``getrusage`` of the child), so it
includes starting Python and importing solvent and NumPy. "in-process" rows time the
``conform()`` call alone inside such a process after a warm-up run (the figure round 3
recorded). The ratio is this tree's steps per CPU second over the baseline's, per pair.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
QUICK = "--quick" in sys.argv
REPEATS = 1 if QUICK else 3
ARGS = "--no-corners --batch 2048"

IN_PROCESS = """
import sys, time
sys.path.insert(0, "examples/conform")
from solvent.conform.adapter import load_adapter
from solvent.conform.run import Options, conform
from solvent.spec.load import load_spec
spec = load_spec("examples/conform/perp_spec.py")
adapter = load_adapter("examples/conform/python_adapter.py")
conform(spec, adapter, Options(traces=20, corners=False))
c = time.process_time()
r = conform(spec, adapter, Options(traces={n}, corners=False, batch=2048))
assert r.divergence is None
print(r.steps, time.process_time() - c)
"""


def load() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def child(tree: Path, argv: list[str]) -> tuple[str, float, float]:
    """(stdout, CPU seconds, wall seconds) of one process run in ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w = time.perf_counter()
    out = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - w
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if out.returncode != 0:
        raise SystemExit(f"{argv} in {tree}: exit {out.returncode}\n{out.stderr[-2000:]}")
    return out.stdout, cpu, wall


def cli(tree: Path, traces: int, jobs: int) -> tuple[int, float, float]:
    argv = [sys.executable, "-m", "solvent", "conform", "examples/conform/perp_spec.py"]
    argv += ["--impl", "examples/conform/python_adapter.py", "--traces", str(traces)]
    argv += [*ARGS.split(), "--jobs", str(jobs)]
    out, cpu, wall = child(tree, argv)
    steps = int(out.split("steps compared: ")[1].split()[0])
    return steps, cpu, wall


def in_process(tree: Path, traces: int) -> tuple[int, float, float]:
    out, _, wall = child(tree, [sys.executable, "-c", IN_PROCESS.format(n=traces)])
    steps, cpu = out.split()
    return int(steps), float(cpu), wall


def main() -> None:
    base = Path(sys.argv[1]).resolve()
    rows = [
        ("in-process `conform()` call, 8,000 traces", lambda t: in_process(t, 8000)),
        (f"`solvent conform ... --traces 8000 {ARGS}`", lambda t: cli(t, 8000, 1)),
        (f"`solvent conform ... --traces 80000 {ARGS}`", lambda t: cli(t, 80000, 1)),
        (f"`solvent conform ... --traces 16000 {ARGS} --jobs 1`", lambda t: cli(t, 16000, 1)),
        (f"`solvent conform ... --traces 16000 {ARGS} --jobs 2`", lambda t: cli(t, 16000, 2)),
    ]
    print(f"baseline: {base}; this tree: {HERE}; {REPEATS} paired run(s) per row\n")
    print(
        "| command | tree | steps | CPU s | wall s | steps per CPU second "
        "| ratio (CPU) to the baseline | load before / after |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, fn in rows:
        before = load()
        runs: dict[str, list[tuple[int, float, float]]] = {"baseline": [], "this": []}
        for _ in range(REPEATS):
            runs["baseline"].append(fn(base))
            runs["this"].append(fn(HERE))
        after = load()
        rate = {k: statistics.median(s / c for s, c, _ in v) for k, v in runs.items()}
        for k, v in runs.items():
            steps = v[0][0]
            cpu = statistics.median(c for _, c, _ in v)
            wall = statistics.median(w for _, _, w in v)
            print(
                f"| {label} | {k} | {steps:,} | {cpu:.2f} | {wall:.2f} | {rate[k]:,.0f} "
                f"| {rate[k] / rate['baseline']:.2f}x | {before} / {after} |"
            )


if __name__ == "__main__":
    main()
