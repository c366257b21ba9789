"""The long profile of the differential soundness suite (issue 22), with its figures.

    python benchmarks/soundness.py                       # 300 specs per property, depth 3
    python benchmarks/soundness.py --examples 50 --seed 7 --out -   # quick look, stdout

Draws random small specs from ``tests/soundness/specgen.py`` and runs the three
differential checks of ``tests/soundness/test_differential.py`` on each:

- ``bmc``: bmc at depth D against the exhaustive exploration of every grid path of at
  most D steps (a violation found there must make bmc FAIL with a counterexample no
  longer than the exploration's; every bmc FAIL must replay);
- ``prove``: prove PASS must have no violation in the exploration; prove FAIL replays;
- ``arithmetic``: a spec without roundings, in exact and 2-decimal fixed point: the same
  violating grid states, and fixed-point bmc FAIL implies exact bmc FAIL.

Counts the specs generated, the transitions explored, the verdicts and the
disagreements (any disagreement stops the run with the spec's source, exit 1), and
writes the report to ``benchmarks/results/soundness.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "soundness"))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from specgen import check_arithmetic, check_bmc, check_prove, specs  # noqa: E402


def run(name: str, check: Any, strategy: Any, examples: int, depth: int, rng: int) -> dict:
    stats: dict[str, int] = {}

    @seed(rng)
    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def prop(g: Any) -> None:
        check(g, depth, stats)

    t0 = time.perf_counter()
    prop()
    stats["seconds"] = round(time.perf_counter() - t0)
    print(f"{name}: {stats}", flush=True)
    return stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=300, help="specs per property")
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument(
        "--branching",
        type=int,
        default=24,
        help="cap on the grid choices of one step (the exploration grows as its cube)",
    )
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "soundness.md"))
    args = ap.parse_args()
    plan = [
        ("bmc", check_bmc, specs(max_branching=args.branching)),
        ("prove", check_prove, specs(max_branching=args.branching)),
        (
            "arithmetic",
            check_arithmetic,
            specs(arithmetic=("exact",), rounding=False, max_branching=args.branching),
        ),
    ]
    rows = []
    for name, check, strategy in plan:
        rows.append((name, run(name, check, strategy, args.examples, args.depth, args.seed)))
    cmd = (
        f"python benchmarks/soundness.py --examples {args.examples} --depth {args.depth} "
        f"--seed {args.seed} --branching {args.branching}"
    )
    lines = [
        "# Differential soundness, long profile",
        "",
        f"Command: `{cmd}` (the suite's CI profile is `python -m pytest tests/soundness`).",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs (shared).",
        "",
        "| property | specs generated | transitions explored | distinct states | "
        "verdicts | disagreements | seconds |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, st in rows:
        verdicts = ", ".join(
            f"{k} {v}" for k, v in sorted(st.items()) if k.startswith(("bmc ", "prove "))
        )
        lines.append(
            f"| {name} | {st.get('specs', 0)} | {st.get('paths', 0)} | "
            f"{st.get('states', 0)} | {verdicts} | 0 | {st['seconds']} |"
        )
    lines += [
        "",
        "A disagreement stops the run (exit 1) with the spec's source, so a finished run has",
        "none. In the arithmetic row each generated spec counts twice (exact and fixed point)",
        "and the verdicts are `exact/fixed`. UNKNOWN would be listed as a verdict, never",
        "counted as an agreement with a violation.",
        "",
    ]
    text = "\n".join(lines)
    if args.out == "-":
        print(text)
    else:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
