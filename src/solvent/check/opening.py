"""The opening of a bmc: vacuity and depth 0, asked beside or after the first attempt.

Before any search, bmc asks whether the initial state is satisfiable (else the verdict is
VACUOUS) and whether it already breaks a property (depth 0). Both checks run in this
process, in a Z3 context of their own (``solving.fresh_context``); the first attempt
(``first_attempt``) runs in a forked process with a context of its own too, so neither
sees the other's terms, and its answer does not depend on what ran before its fork.

When the attempt is the ``incremental`` unrolling of the whole spec (up to
``FULL_CANONICAL_ACCOUNTS`` accounts), its unrolling asks the same two checks first (the
initial state, then depth 0), so the opening waits for its answer (``after_attempt``):
when the attempt found the initial state satisfiable and depth 0 free of violations
(``Answer.opened``), the opening's checks would answer nothing and are not asked (10-20%
of the CPU of a bmc on 1-3 accounts, round 22 of benchmarks/results/engine.md); when it
did not (it gave up before, found a violation at depth 0, raised, or the falsifier's path
replaced its answer), they are asked now and their verdict comes first, as if asked
before. Otherwise (the ``few`` member on more accounts, fixed point's corners), with
``--jobs 2`` or more the attempt's process is started first and works on the other core
while this one asks the opening's checks; when the opening answers (or raises), the
attempt's process is stopped and its work thrown away. Either way the verdict and the
counterexample are the ones of the checks in turn (``--jobs 1``).
"""

from __future__ import annotations

from collections.abc import Sequence

import z3

from solvent.check.canonical import canonical
from solvent.check.encode import Unrolling
from solvent.check.first_attempt import Child, start_first, stop_child
from solvent.check.members import Answer
from solvent.check.results import UNKNOWN, VACUOUS, CheckResult
from solvent.check.solving import Deadline, check, fresh_context
from solvent.spec.spec import PredicateDecl, Spec


def opening(
    spec: Spec,
    decls: list[PredicateDecl],
    depth: int,
    deadline: Deadline,
    result: object,
    simplify: bool,
    *,
    attempt: bool,
    full: bool,
    members: Sequence[str],
    jobs: int,
) -> tuple[CheckResult | None, Child | None, bool]:
    """(the opening's verdict or None, the first attempt's started process or None,
    whether the opening waits for the attempt: ``after_attempt``).

    ``attempt``: a first attempt follows; at a depth of 1 or more, when it is the
    ``incremental`` member (``full``) the opening waits for its answer (``after_attempt``),
    else with ``--jobs`` >= 2 its process starts before the opening's checks."""
    child = None
    if attempt and depth >= 1:
        child = start_first(
            spec, decls, depth, deadline, simplify, full=full, members=members, jobs=jobs
        )
        if full and "incremental" in members:
            return None, child, True  # the attempt's unrolling asks the same checks first
    try:
        early = prefix(spec, decls, depth, deadline, result, simplify)
    except BaseException:
        if child is not None:
            stop_child(child)
        raise
    if early is not None and child is not None:
        stop_child(child)
        child = None
    return early, child, False


def after_attempt(
    spec: Spec,
    decls: list[PredicateDecl],
    depth: int,
    deadline: Deadline,
    result: object,
    simplify: bool,
    answer: Answer | None,
) -> CheckResult | None:
    """The opening's verdict after the first attempt's ``answer`` (when ``opening`` waited
    for it): None without its checks when the attempt's unrolling of the whole spec found
    the initial state satisfiable and depth 0 free of violations (the same checks; their
    verdict would be None), else the checks now. Not when the budget ran out in the
    attempt: the race is not asked either, and the verdict is the budget's UNKNOWN."""
    if (answer is not None and answer.opened) or deadline.expired():
        return None
    return prefix(spec, decls, depth, deadline, result, simplify)


def prefix(
    spec: Spec,
    decls: list[PredicateDecl],
    depth: int,
    deadline: Deadline,
    result: object,
    simplify: bool,
) -> CheckResult | None:
    """What bmc decides before any race: vacuity and depth 0."""
    with fresh_context():
        solver = z3.Solver()
        u = Unrolling(spec, solver)
        if check(solver, deadline, u.assumption_literals()) == z3.unsat:
            return result(  # type: ignore[operator, no-any-return]
                VACUOUS,
                "depth 0",
                "the initial state is unsatisfiable: no path exists; "
                "check the state domains and @initial conditions",
            )
        solver.push()
        solver.add(z3.Or([z3.Not(p) for _, _, p in u.properties(0, decls)]))
        status = check(solver, deadline, u.assumption_literals())
        solver.pop()
        if depth > 0:
            u.add_step()  # a spec that cannot be traced fails here, in this process
    if status == z3.sat:
        return canonical(spec, decls, 0, depth, deadline, result, simplify)
    if status == z3.unknown:
        return result(  # type: ignore[operator, no-any-return]
            UNKNOWN,
            f"depth 0/{depth}",
            "solver gave up at depth 0",
            depth=0,
            details={"reason": "unknown"},
        )
    return None
