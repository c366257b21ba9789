"""The README's first command, timed: ``solvent bmc examples/bugs_detected/perp_gap_risk.py
--depth 5``, ``--reps`` times, paired against a baseline ``src/`` in the same run.

Each repetition runs this tree's command and then the baseline's (``--baseline``, e.g.
main's ``src/`` from ``git archive main src | tar -x -C /tmp/base``), alternating which
goes first, and records wall time, CPU time (user + sys of the process and its forked
children), the machine's load average, how the portfolio answered (the members'
verdicts, from the JSON report) and a hash of the text report without its timing (the
output must be the same on every run and for every ``--jobs``):

    python benchmarks/engine/readme.py --reps 7 --baseline /tmp/base/src --bytecode
    python benchmarks/engine/readme.py --reps 3 --jobs 1 2

``--bytecode`` compiles both trees first (as an installed package is) and lets the runs
use it (``run.py``'s option; the folders it made are removed at the end). Prints one row
per run and min / median / max of wall and CPU per tree.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "bugs_detected" / "perp_gap_risk.py"


def run(src: Path, jobs: int | None, depth: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "solvent", "bmc", str(SPEC), "--depth", str(depth)]
        cmd += ["-o", str(out)] + ([] if jobs is None else ["--jobs", str(jobs)])
        env = {**os.environ, "PYTHONPATH": str(src)}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        doc = json.loads(out.read_text()) if out.exists() else {}
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = re.sub(r"\s+[0-9.]+s\s+", " <t> ", proc.stdout)  # the verdict line's time
    text = "\n".join(x for x in text.splitlines() if not x.startswith("result written"))
    route = [
        f"{m['member']}{'(first)' if m.get('first') else ''}:{m['verdict']}"
        for m in doc.get("details", {}).get("portfolio", {}).get("members", [])
    ]
    return {
        "rc": proc.returncode,
        "wall": wall,
        "cpu": cpu,
        "load": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        "route": " ".join(route) or "-",
        "report": hashlib.sha256(text.encode()).hexdigest()[:12],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--baseline", type=Path, help="another src/ to pair against")
    ap.add_argument("--jobs", type=int, nargs="*", default=[], help="--jobs values (default: none)")
    ap.add_argument("--depth", type=int, default=5)
    ap.add_argument("--bytecode", action="store_true", help="compile both trees first")
    paired(ap.parse_args(), table)


def paired(args: argparse.Namespace, table: Any) -> None:
    """``table(args, trees)`` on this tree's src/ and ``--baseline``, compiled first with
    ``--bytecode`` (the ``__pycache__`` folders it made are removed at the end)."""
    trees = [("this", ROOT / "src")] + ([("base", args.baseline)] if args.baseline else [])
    made: list[Path] = []
    if args.bytecode:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from run import compiled

        made = compiled([src.resolve() for _, src in trees])
    try:
        table(args, trees)
    finally:
        for folder in made:
            shutil.rmtree(folder, ignore_errors=True)


def table(args: argparse.Namespace, trees: list[tuple[str, Path]]) -> None:
    jobs: list[int | None] = list(args.jobs) or [None]
    rows: dict[tuple[str, int | None], list[dict[str, object]]] = {}
    print("| tree | jobs | rep | wall (s) | cpu (s) | exit | route | report | load |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for rep in range(args.reps):
        order = trees if rep % 2 == 0 else trees[::-1]
        for j in jobs:
            for name, src in order:
                r = run(src, j, args.depth)
                rows.setdefault((name, j), []).append(r)
                print(
                    f"| {name} | {j or 'default'} | {rep + 1} | {r['wall']:.2f} | "
                    f"{r['cpu']:.2f} | {r['rc']} | {r['route']} | {r['report']} | {r['load']} |",
                    flush=True,
                )
    print()
    print("| tree | jobs | wall min / median / max (s) | cpu min / median / max (s) | reports |")
    print("| --- | --- | --- | --- | --- |")
    for (name, j), rs in rows.items():
        walls = [float(r["wall"]) for r in rs]  # type: ignore[arg-type]
        cpus = [float(r["cpu"]) for r in rs]  # type: ignore[arg-type]
        reports = sorted({str(r["report"]) for r in rs})

        def mmm(xs: list[float]) -> str:
            return f"{min(xs):.2f} / {statistics.median(xs):.2f} / {max(xs):.2f}"

        print(f"| {name} | {j or 'default'} | {mmm(walls)} | {mmm(cpus)} | {', '.join(reports)} |")


if __name__ == "__main__":
    main()
