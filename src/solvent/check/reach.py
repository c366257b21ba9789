"""Reachability of witnesses: is there a path of at most D steps where a witness holds?"""

from __future__ import annotations

import z3

from solvent.check.encode import Unrolling
from solvent.check.solving import Deadline, check, in_fresh_context
from solvent.spec.spec import Spec


@in_fresh_context
def reach(spec: Spec, witness: str, depth: int, *, timeout: float | None = None) -> bool | None:
    """True if reachable within ``depth`` steps, False if not, None if the solver gave up."""
    decl = next(w for w in spec.witnesses if w.name == witness)
    deadline = Deadline(timeout)
    solver = z3.Solver()
    u = Unrolling(spec, solver)
    for k in range(depth + 1):
        if k > 0:
            u.add_step()
        holds = u.properties(k, [decl])
        solver.push()
        solver.add(z3.Or([p for _, _, p in holds]))
        status = check(solver, deadline, u.assumption_literals())
        solver.pop()
        if status == z3.sat:
            return True
        if status == z3.unknown:
            return None
    return False
