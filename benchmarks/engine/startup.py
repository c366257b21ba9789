"""What starting solvent costs: whole processes, paired with a baseline, medians of N runs.

Each row is one command run ``--runs`` times, each run timed from outside (wall, and CPU:
user + sys of the process and its waited-for children); with ``--baseline SRC``
(another version's ``src/``, e.g. a ``git archive`` of main) each run is followed by the
same command with ``PYTHONPATH=SRC`` (paired: the same load), and the row gets the
baseline's medians and this version's CPU over the baseline's. The floor rows (``python
-c pass``, ``import z3``, the naive Z3 BMC) are what any Python tool pays.

    git archive main src | tar -x -C /tmp/base
    python benchmarks/engine/startup.py --runs 7 --baseline /tmp/base/src
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PY = sys.executable
BMC = [PY, "-m", "solvent", "bmc", "benchmarks/engine/perp_entry.py", "--depth", "3", "-q"]
NAIVE = [PY, "benchmarks/engine/naive_z3.py", "--accounts", "1", "--depth", "3"]
ROWS: list[tuple[str, list[str], dict[str, str], bool]] = [  # label, command, env, solvent?
    ("python -c pass", [PY, "-c", "pass"], {}, False),
    ("python -c 'import z3'", [PY, "-c", "import z3"], {}, False),
    ("naive Z3 BMC, 1 account, depth 3", NAIVE, {}, False),
    ("python -c 'import solvent.cli'", [PY, "-c", "import solvent.cli"], {}, True),
    ("solvent --help", [PY, "-m", "solvent", "--help"], {}, True),
    ("solvent bmc entry plain bug, 1 account", BMC, {"ACCOUNTS": "1", "MM": "0.05"}, True),
    ("solvent bmc ... --jobs 1", [*BMC, "--jobs", "1"], {"ACCOUNTS": "1", "MM": "0.05"}, True),
    ("solvent bmc entry plain bug, 100 accounts", BMC, {"ACCOUNTS": "100", "MM": "0.05"}, True),
]  # fmt: skip


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--baseline", metavar="SRC", help="also run each solvent row on this src/")
    a = ap.parse_args()
    base = str(Path(a.baseline).resolve()) if a.baseline else None
    head = " base wall (s) | base cpu (s) | cpu / base |" if base else ""
    print(f"| command (median of {a.runs}) | wall (s) | cpu (s) |{head} load |")
    print("| --- " * (4 + 3 * bool(base)) + "|")
    for label, cmd, extra, ours in ROWS:
        env = {**os.environ, **extra, "PYTHONPATH": str(SRC)}
        mine: list[tuple[float, float]] = []
        theirs: list[tuple[float, float]] = []
        for _ in range(a.runs):
            mine.append(timed(cmd, env))
            if base and ours:
                theirs.append(timed(cmd, {**env, "PYTHONPATH": base}))
        wall = statistics.median(w for w, _ in mine)
        cpu = statistics.median(c for _, c in mine)
        row = f"| {label} | {wall:.3f} | {cpu:.3f} |"
        if base:
            if theirs:
                bwall = statistics.median(w for w, _ in theirs)
                bcpu = statistics.median(c for _, c in theirs)
                row += f" {bwall:.3f} | {bcpu:.3f} | {cpu / bcpu:.2f} |"
            else:
                row += " | | |"
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{row} {load} |", flush=True)


if __name__ == "__main__":
    main()
