"""Bounded model checking: the shortest counterexample up to a depth, replay-confirmed.

The unrolling is incremental: one solver, one step added per depth. At depth ``k`` the
negated properties are asserted under ``push``; if unsatisfiable they are popped and the
properties at ``k`` are kept as facts (sound because every shorter violation was ruled
out), so the first satisfiable depth gives a shortest counterexample.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import z3

from solvent.check.encode import Unrolling
from solvent.check.results import FAIL, PASS, UNKNOWN, VACUOUS, CheckResult
from solvent.check.round_values import readable_values
from solvent.check.solving import (
    Deadline,
    Interrupted,
    IrrationalModel,
    check,
    in_fresh_context,
    interruptible,
    result_maker,
    searched_properties,
    trace_from_values,
)
from solvent.check.verdicts import accounts as _accounts
from solvent.check.verdicts import confirmed as _confirmed
from solvent.check.verdicts import inductive as _inductive
from solvent.check.verdicts import irrational as _irrational
from solvent.check.verdicts import ran_out as _ran_out
from solvent.check.verdicts import steps as _steps
from solvent.check.verdicts import unknown_message as _unknown_message
from solvent.engine.step import require_spec_sane
from solvent.errors import UsageError
from solvent.spec.spec import Spec


@in_fresh_context
def bmc(
    spec: Spec,
    depth: int,
    *,
    timeout: float | None = None,
    invariants: Sequence[str] | None = None,
    simplify: bool = True,
    induction: bool = True,
    jobs: int | None = None,
    before_race: Callable[[float | None], CheckResult | None] | None = None,
    rlimit: int | None = None,
    cpu_cap: float | None = None,
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
    induction : bool
        Before unrolling past depth 1, try a quick 1-induction step: when the properties
        (with the spec's lemmas) hold initially and are preserved by every step, no path of
        any length violates them and the unrolling is not needed.
    jobs : int, optional
        Race the strategies of the portfolio (``solvent.check.portfolio``) on this many
        processes; None (the default) runs the incremental search alone, here.
    before_race : callable, optional
        With ``jobs``: asked (with the seconds left) when the portfolio's capped first
        attempt did not answer, before the race; a result it returns is the verdict
        (``decompose_bmc``: the proof for every number of accounts).
    rlimit : int, optional
        Without ``jobs``: cap each depth's solver call by this many units of Z3's
        resource counter (a frontier's counterexample search: the same answer on a busy
        and an idle machine); a call that reaches it is UNKNOWN. ``cpu_cap``: the safety
        net behind it, in seconds of this process's CPU time (``solving.check``).
    """
    if jobs is not None:
        from solvent.check.portfolio import portfolio_bmc

        return portfolio_bmc(
            spec,
            depth,
            jobs=jobs,
            timeout=timeout,
            invariants=invariants,
            simplify=simplify,
            induction=induction,
            incremental=bmc,  # the same-on-every-machine path when the race's cannot be
            before_race=before_race,
        )
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise UsageError(f"depth must be a non-negative integer, got {depth!r}")
    require_spec_sane(spec)
    decls = searched_properties(spec, invariants)
    deadline = Deadline(timeout)
    solver = z3.Solver()
    u = Unrolling(spec, solver)

    result = result_maker("bmc", spec, deadline)

    try:
        with interruptible():
            first = check(solver, deadline, u.assumption_literals(), rlimit=rlimit, cpu_cap=cpu_cap)
            if first == z3.unsat:
                return result(
                    VACUOUS,
                    "depth 0",
                    "the initial state is unsatisfiable: no path exists; "
                    "check the state domains and @initial conditions",
                )
            for k in range(depth + 1):
                if k == 1 and induction and depth >= 2 and _inductive(spec, decls, deadline):
                    return result(
                        PASS,
                        f"depth {depth}/{depth}",
                        f"no violation in any path of up to {_steps(depth)} ({_accounts(spec.accounts)}"
                        "): the properties hold initially and are 1-inductive, so "
                        "none at any depth",
                        depth=depth,
                        details={"method": "1-induction"},
                    )
                if k > 0:
                    u.add_step()
                props = u.properties(k, decls)
                solver.push()
                solver.add(z3.Or([z3.Not(p) for _, _, p in props]))
                status = check(
                    solver, deadline, u.assumption_literals(), rlimit=rlimit, cpu_cap=cpu_cap
                )
                if status == z3.sat:
                    model = solver.model()
                    failed = [
                        d.name
                        for d, _, p in props
                        if z3.is_false(model.eval(p, model_completion=True))
                    ]
                    for lit in u.assumption_literals():
                        solver.add(lit)
                    try:
                        values = readable_values(
                            solver, u, k, failed, deadline, prefer_simple=simplify
                        )
                    except IrrationalModel as exc:
                        return _irrational(k, depth, str(exc), failed, result)
                    return _confirmed(
                        spec, trace_from_values(u, values, k, {}), k, failed, depth, result
                    )
                if status == z3.unknown:
                    reason = solver.reason_unknown()
                    stopped = _ran_out(reason, timeout, deadline.elapsed())
                    return result(
                        UNKNOWN,
                        f"depth {k - 1}/{depth}" if k else f"depth 0/{depth}",
                        _unknown_message(reason, stopped),
                        depth=max(k - 1, 0),
                        details={"reason": reason},
                        ran_out=stopped,
                    )
                solver.pop()
                for _, _, p in props:
                    solver.add(p)
    except Interrupted:
        return result(
            UNKNOWN,
            f"depth {max(len(u.steps) - 1, 0)}/{depth}",
            "interrupted by the user (Ctrl-C)",
            details={"reason": "interrupted"},
        )
    return result(
        PASS,
        f"depth {depth}/{depth}",
        f"no violation in any path of up to {_steps(depth)} ({_accounts(spec.accounts)})",
        depth=depth,
    )


def bmc_each(
    spec: Spec,
    depth: int,
    *,
    timeout: float | None = None,
    invariants: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckResult]:
    """``bmc --keep-going``: one replay-confirmed counterexample per violated property.

    Runs :func:`bmc` again without each property it has found broken (a broken lemma is
    also dropped from the lemmas the search keeps as facts) until a search passes, runs
    out of time or no property is left. Returns every result in the order found; the last
    one, when it is not a FAIL, covers the properties still standing. ``timeout`` is the
    budget of the whole run.
    """
    names = [d.name for d in searched_properties(spec, invariants)]
    deadline = Deadline(timeout)
    results: list[CheckResult] = []
    current = spec
    while names:
        result = bmc(
            current,
            depth,
            timeout=deadline.left(),
            invariants=names,
            **kwargs,
        )
        result.details["searched"] = list(names)
        results.append(result)
        if result.verdict != FAIL:
            break
        replayed = result.details["replay"]
        broken = next(f.name for f in replayed.failures if f.label() == result.invariant)
        names.remove(broken)
        if any(d.name == broken for d in current.lemmas):
            current = dataclasses.replace(
                current, lemmas=[d for d in current.lemmas if d.name != broken]
            )
    return results
