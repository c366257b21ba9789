"""``solvent stress --timeout S`` from a cold start: how far past S does the process end?

Each run gets empty kernel and numba caches (``SOLVENT_CACHE_DIR``, ``NUMBA_CACHE_DIR`` in
a fresh temporary folder), so numba compiles the spec's kernel. Printed per run: the
process's wall and CPU seconds (user + sys of the finished child), the exit code, and the
paths simulated (from the JSON result). Pass ``--base SRC`` to run a second tree (its
``src``) in turn with this one.

The spec ``misc_init`` is ``tests/stress/specs/misc.py`` with an ``@initial`` condition
(a run probes the sampled initial states before its blocks, which compiled the kernel
past the deadline before round 24); ``perp_isolated`` is ``examples/correct/perp_isolated.py``.

Usage: python benchmarks/stress_coldstart.py [--base SRC] [--runs N] [TIMEOUT ...]
(default timeouts 5 10 20, 1 run)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INITIAL = """

@spec.initial
def bounded(s):
    return sv.all_of(s.pos[a] <= 4 for a in s.accounts)
"""


def run(src: str, spec: str, timeout: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="solvent-cold-") as tmp:
        env = {
            **os.environ, "PYTHONPATH": src, "PYTHONDONTWRITEBYTECODE": "",
            "SOLVENT_CACHE_DIR": f"{tmp}/solvent", "NUMBA_CACHE_DIR": f"{tmp}/numba",
        }  # fmt: skip
        cmd = [
            sys.executable, "-m", "solvent", "stress", spec, "--scenario", "gbm", "--paths",
            "2000", "--steps", "20", "--seed", "1", "--population", "none", "--timeout",
            str(timeout), "--format", "json", "-q",
        ]  # fmt: skip
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
        wall = time.monotonic() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        paths = json.loads(proc.stdout)["metrics"]["paths"]
    except (ValueError, KeyError):
        paths = None
    return {"wall": round(wall, 2), "cpu": round(cpu, 2), "exit": proc.returncode, "paths": paths}


def main(argv: list[str]) -> None:
    trees = {"this tree": str(ROOT / "src")}
    runs = 1
    while argv and argv[0].startswith("--"):
        flag, value, *argv = argv
        if flag == "--base":
            trees["base"] = value
        elif flag == "--runs":
            runs = int(value)
    timeouts = [float(t) for t in argv] or [5.0, 10.0, 20.0]
    with tempfile.TemporaryDirectory(prefix="solvent-cold-spec-") as tmp:
        misc = Path(tmp) / "misc_init.py"
        misc.write_text((ROOT / "tests/stress/specs/misc.py").read_text() + INITIAL)
        specs = {"misc_init": str(misc), "perp_isolated": "examples/correct/perp_isolated.py"}
        print("| spec | --timeout s | tree | wall s | cpu s | exit | paths simulated |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for _ in range(runs):
            for name, spec in specs.items():
                for t in timeouts:
                    for tree, src in trees.items():
                        r = run(src, spec, t)
                        print(
                            f"| {name} | {t:g} | {tree} | {r['wall']} | {r['cpu']} | "
                            f"{r['exit']} | {r['paths']} |",
                            flush=True,
                        )


if __name__ == "__main__":
    main(sys.argv[1:])
