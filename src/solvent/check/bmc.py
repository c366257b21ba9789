"""Bounded model checking: the shortest counterexample up to a depth, replay-confirmed.

The unrolling is incremental: one solver, one step added per depth. At depth ``k`` the
negated properties are asserted under ``push``; if unsatisfiable they are popped and the
properties at ``k`` are kept as facts (sound because every shorter violation was ruled
out), so the first satisfiable depth gives a shortest counterexample.
"""

from __future__ import annotations

from collections.abc import Sequence

import z3

from solvent.check.encode import Unrolling
from solvent.check.results import FAIL, PASS, UNKNOWN, VACUOUS, CheckResult
from solvent.check.solving import (
    Deadline,
    Interrupted,
    check,
    confirm,
    interruptible,
    select_properties,
    simplify_model,
    trace_from_model,
)
from solvent.engine.step import require_spec_sane
from solvent.errors import UsageError
from solvent.spec.spec import Spec


def bmc(
    spec: Spec,
    depth: int,
    *,
    timeout: float | None = None,
    invariants: Sequence[str] | None = None,
    simplify: bool = True,
) -> CheckResult:
    """Search for the shortest path of at most ``depth`` steps that violates a property.

    Parameters
    ----------
    spec : Spec
        The protocol spec.
    depth : int
        Largest number of steps to unroll (0 checks the initial state only).
    timeout : float, optional
        Wall-clock budget in seconds; running out gives an UNKNOWN verdict.
    invariants : sequence of str, optional
        Restrict the search to these invariants/lemmas (default: all).
    simplify : bool
        Re-solve the counterexample preferring zero, envelope corners and round numbers.
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise UsageError(f"depth must be a non-negative integer, got {depth!r}")
    require_spec_sane(spec)
    decls = select_properties(spec, invariants)
    names = [d.name for d in decls]
    deadline = Deadline(timeout)
    solver = z3.Solver()
    u = Unrolling(spec, solver)

    def result(verdict: str, bound: str, message: str, **kw: object) -> CheckResult:
        return CheckResult("bmc", spec.name, verdict, bound, deadline.elapsed(), spec.accounts,
                           message=message, **kw)  # type: ignore[arg-type]

    try:
        with interruptible():
            first = check(solver, deadline, u.assumption_literals())
            if first == z3.unsat:
                return result(VACUOUS, "depth 0", "the initial state is unsatisfiable: no path exists; "
                              "check the state domains and @initial conditions")
            for k in range(depth + 1):
                if k > 0:
                    u.add_step()
                props = u.properties(k, decls)
                solver.push()
                solver.add(z3.Or([z3.Not(p) for _, _, p in props]))
                status = check(solver, deadline, u.assumption_literals())
                if status == z3.sat:
                    model = solver.model()
                    failed = [d.name for d, _, p in props if z3.is_false(model.eval(p, model_completion=True))]
                    for lit in u.assumption_literals():
                        solver.add(lit)
                    if simplify:
                        model = simplify_model(solver, u.inputs, deadline)
                    else:
                        model = simplify_model(solver, u.inputs, deadline, prefer_simple=False)
                    failed = [d.name for d, _, p in props
                              if z3.is_false(model.eval(p, model_completion=True))] or failed
                    trace = trace_from_model(u, model, k, {"found_by": "bmc", "violation": {"step": k, "invariant": failed[0]}})
                    replayed = confirm(spec, trace, k, failed)
                    hit = next(f for f in replayed.failures if f.step == k and f.name in failed)
                    return result(FAIL, f"depth {k}/{depth}", "counterexample confirmed by concrete replay",
                                  invariant=hit.label(), counterexample=trace, depth=k,
                                  details={"replay": replayed})
                if status == z3.unknown:
                    reason = solver.reason_unknown()
                    return result(UNKNOWN, f"depth {k - 1}/{depth}" if k else f"depth 0/{depth}",
                                  _unknown_message(reason, timeout), depth=max(k - 1, 0),
                                  details={"reason": reason})
                solver.pop()
                for _, _, p in props:
                    solver.add(p)
    except Interrupted:
        return result(UNKNOWN, f"depth {max(len(u.steps) - 1, 0)}/{depth}", "interrupted by the user (Ctrl-C)",
                      details={"reason": "interrupted"})
    return result(PASS, f"depth {depth}/{depth}",
                  f"no violation in any path of up to {depth} steps ({spec.accounts} accounts)", depth=depth)


def _unknown_message(reason: str, timeout: float | None) -> str:
    if reason in ("timeout", "canceled") and timeout is not None:
        return f"solver timeout after {timeout:g}s"
    return f"solver gave up: {reason}"
