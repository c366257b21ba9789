"""Where a small ``solvent bmc`` spends its CPU time, next to the naive hand encoding.

For each corpus cell (style, feature, accounts; bug variant, ``--depth 3`` by default)
it runs, paired and ``--reps`` times each, in this order:

- ``python -c pass`` and ``python -c 'import z3'`` (the interpreter's start, and z3's
  import, which the naive script pays too);
- the naive yardstick ``naive_z3.py`` (its own solve time is the number it prints);
- ``python -m solvent bmc SPEC --depth 3 -q`` as a user runs it (the real process:
  CPU of the process and its forked children);
- the same command in one process with the phases timed (``--phases``): the check's
  watchdog process and the first attempt's process are run in process, so the phases
  add up; the real run's CPU minus this one's is what the two forks cost.

The phases (CPU seconds, each counted once where they nest): ``imports`` (solvent's CLI
and what it imports, z3 and typer included), ``spec load``, ``analysis`` (the
decomposition's plan, 2 accounts or more), ``prefix`` (vacuity and depth 0 before the
first attempt), ``unrolling`` (encoding the steps and the search's checks, ``z3 search``
of it in Z3), ``values`` (the counterexample's round values: ``z3 values`` of it in Z3,
the rest replays on the exact judge), ``replay`` (the confirming replay of the path on
the exact backend), ``report`` (the verdict line) and ``rest``.

    python benchmarks/engine/phases.py                         # entry plain/two, quote needle, 1 account
    python benchmarks/engine/phases.py --cells entry:fees:3 --reps 5

Medians of ``--reps`` runs; the machine's load average is printed with each row (on a
busy machine CPU times grow too: compare within a row, against the naive column).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from phase_timer import PhaseTimer, watchdog_in_process
from run import NAIVE, ROOT, SPECS, knobs  # the corpus's cells as run.py runs them

PHASES = (
    "imports",
    "spec load",
    "analysis",
    "prefix",
    "unrolling",
    "z3 search",
    "values",
    "z3 values",
    "replay",
    "report",
    "rest",
)


def _phases(argv: list[str]) -> None:  # pragma: no cover - runs in a child process
    """The bmc of ``argv`` in this process, its phases' CPU as JSON on stderr's last line."""
    began = time.process_time()
    timer = PhaseTimer(PHASES)
    spent, active, timed, patch = timer.spent, timer.active, timer.timed, timer.patch

    import solvent.cli  # noqa: F401
    from solvent.check import (
        canonical,
        decompose,
        first_attempt,
        members,
        opening,
        round_values,
        verdicts,
    )
    from solvent.check.encode import Unrolling
    from solvent.report import text
    from solvent.spec import load

    spent["imports"] = time.process_time() - began
    first_attempt.in_child = lambda fn, deadline, seconds=None, meanwhile=None, started=None: fn()
    opening.start_first = lambda *a, **k: None  # in process: no attempt started beside

    watchdog_in_process()
    import z3

    plain_check = z3.Solver.check

    def check(self: Any, *args: Any, **kwargs: Any) -> Any:
        inner = "z3 values" if "values" in active else "z3 search"
        return timed(inner, plain_check)(self, *args, **kwargs)

    z3.Solver.check = check  # type: ignore[method-assign]
    patch(load, "load_spec", "spec load")
    patch(decompose, "plan", "analysis")
    patch(opening, "prefix", "prefix")
    patch(members, "unroll", "unrolling")
    patch(canonical, "canonical", "unrolling")
    patch(round_values, "readable_values", "values")
    patch(verdicts, "confirm", "replay")
    patch(text, "render_result", "report")
    Unrolling.add_step = timed("unrolling", Unrolling.add_step)  # type: ignore[method-assign]
    total = timer.run_solvent(argv, began)
    print(json.dumps({"total": total, **spent}), file=sys.stderr)


def cpu_of(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """CPU (user + sys, waited-for children included), wall and stdout's first line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(
        cmd, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    first = (done.stdout.strip().splitlines() or [done.stderr.strip()[-200:]])[0]
    if cmd[1:3] == [__file__, "--phases"]:
        first = done.stderr.strip().splitlines()[-1]
    return cpu, wall, first


def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--cells",
        nargs="+",
        default=["entry:plain:1", "entry:two:1", "quote:needle:1"],
        help="style:feature:accounts (bug variant)",
    )
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--phases", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phases is not None:
        _phases(a.phases)
        return
    py = sys.executable
    print(
        "| cell | python start | import z3 | naive cpu | naive encode+solve (its wall) | solvent cpu | in process"
        " | forks | " + " | ".join(PHASES) + " | load |"
    )
    print("| --- " * (10 + len(PHASES)) + "|")
    for cell in a.cells:
        style, feature, n = cell.split(":")
        env = knobs(feature, "bug", int(n))
        mm = env["MM"]
        argv = ["bmc", SPECS[style], "--depth", str(a.depth), "-q", "--timeout", "60"]
        naive = [py, NAIVE, "--accounts", n, "--mm", mm, "--depth", str(a.depth)]
        naive += ["--needle"] if feature == "needle" else []
        naive += ["--fees"] if feature == "fees" else []
        naive += ["--markets", "2"] if feature == "two" else []
        rows: dict[str, list[float]] = {}
        for _ in range(a.reps):
            rows.setdefault("start", []).append(cpu_of([py, "-c", "pass"], {})[0])
            rows.setdefault("z3", []).append(cpu_of([py, "-c", "import z3"], {})[0])
            cpu, _, out = cpu_of(naive, {})
            rows.setdefault("naive", []).append(cpu)
            rows.setdefault("solve", []).append(float(out.split()[-1].rstrip("s")))
            rows.setdefault("solvent", []).append(cpu_of([py, "-m", "solvent", *argv], env)[0])
            cpu, _, out = cpu_of([py, __file__, "--phases", *argv], env)
            rows.setdefault("in process", []).append(cpu)
            for name, value in json.loads(out).items():
                rows.setdefault(name, []).append(value)
        med = {k: statistics.median(v) for k, v in rows.items()}
        forks = med["solvent"] - med["in process"]
        head = [med[k] for k in ("start", "z3", "naive", "solve", "solvent", "in process")]
        cols = " | ".join(f"{x:.3f}" for x in [*head, forks] + [med[p] for p in PHASES])
        print(f"| {cell} | {cols} | {load()} |", flush=True)


if __name__ == "__main__":
    main()
