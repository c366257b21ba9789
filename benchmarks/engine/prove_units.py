"""Solver checks and Z3 resource units of ``solvent prove``, phase by phase.

Runs ``solvent prove ARGS`` in this process (the check's watchdog run in process) with
every ``z3.Solver.check`` counted: its Z3 resource units (a count the machine's load does
not change) and its CPU seconds, grouped by the phase of the proof that asked it (the
caller's chain): Houdini's paths from an initial state (``houdini_reach``), its rounds
and base case, its named round, its deletion trials,
the final step from Houdini's proofs (``step_reuse``), the proofs' own inductive steps
and their minimization, and the rest. Prints one line per phase.

    FIXED=1 ACCOUNTS=100 MM=0.08 python benchmarks/engine/prove_units.py \\
        prove benchmarks/engine/perp_entry.py --no-slack -q
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# (phase, the caller whose presence in the chain names it), the first that matches
PHASES = (
    ("final step from Houdini's proofs", "step_reuse."),
    ("minimization", "inductive_step._minimize"),
    ("proofs' inductive steps", "inductive_step."),
    ("Houdini's deletion trials", "houdini_round.inductive"),
    ("Houdini's paths from an initial state", "houdini_reach."),
    ("Houdini's named round", "holds_all < infer.houdini"),
    ("Houdini's rounds and base case", "infer.houdini"),
)


def _phase(chain: str) -> str:
    return next((name for name, mark in PHASES if mark in chain), "rest")


def main() -> None:
    from phase_timer import watchdog_in_process

    import solvent.cli  # noqa: F401
    from solvent.api import verify  # noqa: F401

    watchdog_in_process()
    import z3

    from solvent.check.solving import rlimit_count

    plain = z3.Solver.check
    rows: dict[str, list[float]] = {}

    def counted(self: z3.Solver, *args: Any) -> Any:
        frames = traceback.extract_stack(limit=16)[:-1]
        chain = " < ".join(
            f"{os.path.basename(f.filename)[:-3]}.{f.name}"
            for f in reversed(frames)
            if "solvent" in f.filename
        )
        before, began = rlimit_count(self), time.process_time()
        try:
            return plain(self, *args)
        finally:
            row = rows.setdefault(_phase(chain), [0, 0, 0.0])
            row[0] += 1
            row[1] += rlimit_count(self) - before
            row[2] += time.process_time() - began

    z3.Solver.check = counted  # type: ignore[method-assign]
    from solvent.cli.core import main as solvent_main

    sys.argv = ["solvent", *sys.argv[1:]]
    try:
        solvent_main()
    except SystemExit:
        pass
    z3.Solver.check = plain  # type: ignore[method-assign]
    total = [sum(r[i] for r in rows.values()) for i in range(3)]
    print(f"all checks: {total[0]:.0f}, {total[1] / 1e6:.2f}M units, {total[2]:.2f} s CPU in Z3")
    for name, (calls, units, cpu) in sorted(rows.items(), key=lambda kv: -kv[1][1]):
        print(f"  {name}: {calls:.0f} checks, {units / 1e6:.3f}M units, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
