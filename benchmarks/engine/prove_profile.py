"""Where ``solvent prove`` of a corpus cell spends its CPU time, phase by phase.

Runs ``python -m solvent prove SPEC --no-slack`` of each cell (style, feature, accounts;
safe variant) in one process with the check's forks run in process, and prints the CPU
seconds of each phase (each counted once where they nest):

- ``imports`` (solvent's CLI and what it imports), ``spec load``;
- ``plan`` (the decomposition's analysis: the step on two accounts, the accumulator rule);
- ``houdini`` (lemma inference: the rounds and the named round whose unsat cores say
  which candidates the properties use) and ``trials`` (its deletion trials, ``houdini_round.inductive``);
- ``proof`` (k-induction on one account: the first proof, whose CTI starts the inference,
  and the final proof with the inferred lemmas) and ``minimize`` (the final proof's
  minimization of the assumptions it used);
- ``rest``; and ``z3`` (of all of the above, the time inside Z3's check) with the number
  of solver calls.

    python benchmarks/engine/prove_profile.py                       # two, fixed; 100 accounts
    python benchmarks/engine/prove_profile.py --cells quote:two:1 --baseline /tmp/base/src

With ``--baseline SRC`` each cell is also run on that ``src/`` right after (paired). The
machine's load average is printed with each row: on a busy machine CPU times grow too,
so compare within a row.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

from phase_timer import PhaseTimer, watchdog_in_process
from run import ROOT, SPECS, knobs  # the corpus's cells as run.py runs them

PHASES = ("imports", "spec load", "plan", "houdini", "trials", "proof", "minimize", "rest")


def _profile(argv: list[str]) -> None:  # pragma: no cover - runs in a child process
    """``solvent prove`` of ``argv`` in this process; its phases as JSON on stderr."""
    began = time.process_time()
    timer = PhaseTimer(PHASES)
    spent, patch = timer.spent, timer.patch

    import solvent.cli  # noqa: F401
    from solvent.api import verify  # noqa: F401
    from solvent.check import decompose, induction, inductive_step, infer
    from solvent.spec import load

    spent["imports"] = time.process_time() - began

    watchdog_in_process()
    import z3

    plain_check = z3.Solver.check
    z3_cpu = [0.0, 0]

    def check(self: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return plain_check(self, *args, **kwargs)
        finally:
            z3_cpu[0] += time.process_time() - start
            z3_cpu[1] += 1

    z3.Solver.check = check  # type: ignore[method-assign]
    patch(load, "load_spec", "spec load")
    patch(decompose, "plan", "plan")
    patch(infer, "houdini", "houdini")
    try:  # the deletion trials (in infer.py before round 18)
        from solvent.check import houdini_round

        patch(houdini_round, "inductive", "trials")
    except ImportError:
        patch(infer, "_inductive", "trials")
    patch(induction, "prove", "proof")
    patch(inductive_step, "_minimize", "minimize")
    total = timer.run_solvent(argv, began)
    out = {"total": total, **spent, "z3": z3_cpu[0], "calls": z3_cpu[1]}
    print(json.dumps(out), file=sys.stderr)


def run_cell(argv: list[str], env: dict[str, str], src: str | None) -> dict[str, float]:
    full = {**os.environ, **env}
    if src is not None:
        full["PYTHONPATH"] = src
    done = subprocess.run(
        [sys.executable, __file__, "--profile", *argv],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        check=False,
    )
    verdict = (done.stdout.strip().split() or ["?"])[0]
    row = json.loads(done.stderr.strip().splitlines()[-1])
    row["verdict"] = verdict
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--cells",
        nargs="+",
        default=["entry:two:100", "quote:two:100", "entry:fixed:100", "quote:fixed:100"],
        help="style:feature:accounts (safe variant)",
    )
    ap.add_argument("--baseline", metavar="SRC", help="also run each cell on this src/")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--profile", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.profile is not None:
        _profile(a.profile)
        return
    cols = ["total", *PHASES, "z3", "calls"]
    print("| cell | tree | verdict | " + " | ".join(cols) + " | load |")
    print("| --- " * (len(cols) + 4) + "|")
    for cell in a.cells:
        style, feature, n = cell.split(":")
        env = knobs(feature, "safe", int(n))
        argv = ["prove", SPECS[style], "--no-slack", "-q", "--timeout", f"{a.timeout:g}"]
        for tree, src in [("this", None), *([("base", a.baseline)] if a.baseline else [])]:
            row = run_cell(argv, env, src)
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            nums = " | ".join(f"{row[c]:.0f}" if c == "calls" else f"{row[c]:.2f}" for c in cols)
            print(f"| {cell} | {tree} | {row['verdict']} | {nums} | {load} |", flush=True)


if __name__ == "__main__":
    main()
