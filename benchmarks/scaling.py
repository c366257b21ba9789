"""Scaling of `prove` and `bmc` on the isolated perpetual (issue "Foundation", speed).

* prove (k-induction, k=1) of the safe perp (margin 8% = move 8%) as accounts grow;
* bmc of the gap-risk perp (margin 5%) as accounts grow (counterexample at depth 3);
* bmc on 3 accounts as the depth bound grows: the safe spec with the default 1-induction
  shortcut, the same with pure unrolling (``induction=False``), and the gap-risk spec.

Every run has a wall-clock budget (``--timeout``); running out is recorded as UNKNOWN,
never as a pass. Writes ``benchmarks/results/scaling.md``.

    python benchmarks/scaling.py               # full table
    python benchmarks/scaling.py --quick       # a few rows
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import z3

from solvent.check.bmc import bmc
from solvent.check.induction import prove
from solvent.models import perp_isolated

ROOT = Path(__file__).resolve().parents[1]


def row(label: str, n: int, depth: str, fn, timeout: float) -> str:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - t0
    line = f"| {label} | {n} | {depth} | {result.verdict} | {result.bound} | {wall:.2f} |"
    print(line, flush=True)
    return line


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--timeout", type=float, default=120.0, help="budget per run, seconds")
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/scaling.md"))
    args = ap.parse_args(argv)
    accounts = [1, 2, 3] if args.quick else [1, 2, 3, 5, 10, 100]
    bug_accounts = [1, 3] if args.quick else [1, 2, 3, 5, 10]
    depths = [1, 5] if args.quick else [1, 5, 10, 20]
    t = args.timeout
    lines = []
    for n in accounts:
        safe = perp_isolated.build(accounts=n, maintenance_margin="0.08")
        lines.append(row("prove safe perp", n, "k=1", lambda s=safe: prove(s, timeout=t), t))
    for n in bug_accounts:
        bug = perp_isolated.build(accounts=n)
        lines.append(row("bmc gap-risk perp", n, "5", lambda s=bug: bmc(s, 5, timeout=t), t))
    safe3 = perp_isolated.build(accounts=3, maintenance_margin="0.08")
    bug3 = perp_isolated.build(accounts=3)
    for d in depths:
        lines.append(
            row(
                "bmc safe perp (1-induction shortcut)",
                3,
                str(d),
                lambda d=d: bmc(safe3, d, timeout=t),
                t,
            )
        )
    for d in depths:
        lines.append(
            row(
                "bmc safe perp (pure unrolling)",
                3,
                str(d),
                lambda d=d: bmc(safe3, d, timeout=t, induction=False, simplify=False),
                t,
            )
        )
    for d in depths:
        lines.append(row("bmc gap-risk perp", 3, str(d), lambda d=d: bmc(bug3, d, timeout=t), t))
    cmd = " ".join(["python benchmarks/scaling.py", *(argv if argv is not None else sys.argv[1:])])
    header = [
        "# Scaling of prove and bmc (isolated perpetual)",
        "",
        f"Command: `{cmd}`  ",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"z3 {z3.get_version_string()}, load average {os.getloadavg()[0]:.1f} at the end  ",
        f"Budget per run: {t:g} s (UNKNOWN = budget exhausted, never a pass). Times are wall "
        "clock of the whole call, including the concrete replay of counterexamples and, for "
        "prove, the witness-reachability check.",
        "",
        "| check | accounts | depth / k | verdict | bound | seconds |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(header + lines) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
