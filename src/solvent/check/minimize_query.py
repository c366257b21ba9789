"""The minimization of a proof's named assumptions (``inductive_step._minimize``,
``step_reuse``): ``shrink``, and its query, whether a proved query stays unsat with fewer
of its named assumptions (``without``)."""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from typing import Any

import z3

from solvent.check.solving import Deadline, check

# Z3 resource units per minimization query (a counter: machine-independent answers), and
# the wall-clock safety net behind it
MINIMIZE_RLIMIT = 4_000_000
MINIMIZE_SAFETY_MS = 60_000
# fixed point: a minimization query asked first of the proof's own solver under this many
# units (its CPU safety net in seconds), then as before (``without``)
MINIMIZE_QUICK_RLIMIT = 200_000
MINIMIZE_QUICK_CPU = 1.0
# a whole minimization's safety net, in seconds of this process's CPU time (Z3 runs in
# it): not the wall clock, which a busy machine stretches (at load 35 a frontier's proof
# reported its assumptions not minimized where the idle one had them minimized)
MINIMIZE_BUDGET = 120.0


def minimizing_since() -> float:
    """The start of a minimization, for :func:`minimize_stopped`."""
    return time.process_time()


def minimize_stopped(start: float, deadline: Deadline, budget: float = MINIMIZE_BUDGET) -> bool:
    """Whether a minimization begun at ``start`` stops here: its CPU safety net spent, or
    the check's deadline passed (it then reports the assumptions as not minimized)."""
    return time.process_time() - start > budget or deadline.expired()


def without(solver: z3.Solver, lits: list[Any], deadline: Deadline, rlimit: int) -> Any:
    """Whether ``solver``'s query stays unsat with only ``lits`` of its named assumptions
    (fixed-point arithmetic).

    First asked of ``solver`` itself under ``MINIMIZE_QUICK_RLIMIT`` units: where an
    assumption is needed the proof's own solver finds the model at once (the corpus's
    fixed-point specs at 100 accounts: the six or seven minimization queries, every one sat,
    took 0.13-0.19 s of CPU so against 0.41-0.58 s asked of a fresh solver first, since the
    step's obligations are asked together, ``inductive_step._together``). When that runs
    out, asked of a fresh solver with ``lits`` asserted (the others left free, as they are
    when not assumed): without assumptions Z3 uses its non-incremental tactics, which
    answered the quote-style fixed-point spec's six minimization queries in 0.27 s of CPU
    where the incremental core took 1.2 s (``inductive_step._asserted`` says why; in exact
    arithmetic the two-market specs' took longer so, 0.3 s against 0.1-0.2). When that runs
    out, ``solver`` itself with ``lits`` assumed, as before: an answer either gives is the
    query's answer."""
    quick = check(solver, deadline, lits, rlimit=MINIMIZE_QUICK_RLIMIT, cpu_cap=MINIMIZE_QUICK_CPU)
    if quick != z3.unknown:
        return quick
    return without_at_length(solver, lits, deadline, rlimit)


def without_at_length(solver: z3.Solver, lits: list[Any], deadline: Deadline, rlimit: int) -> Any:
    """``without`` after its quick check ran out: a fresh solver, then ``solver`` itself."""
    fresh = z3.Solver()
    fresh.add(*solver.assertions(), *lits)
    status = check(fresh, deadline, (), cap_ms=MINIMIZE_SAFETY_MS, rlimit=rlimit)
    if status == z3.unknown and not deadline.expired():
        status = check(solver, deadline, lits, cap_ms=MINIMIZE_SAFETY_MS, rlimit=rlimit)
    return status


def shrink(
    proved: Sequence[tuple[z3.Solver | None, Collection[str]]],
    used: set[str],
    deadline: Deadline,
    *,
    fixed: bool,
    needed: Collection[str] = (),
    budget: float = MINIMIZE_BUDGET,
    rlimit: int = MINIMIZE_RLIMIT,
) -> bool:
    """Drop assumptions from ``used`` (in place; the union of the cores of ``proved``, each
    a solver and the names its unsat core gave) while every query that named one stays
    unsat; ``needed`` are kept without asking (``step_reuse._needed``). False when the
    safety net (``budget`` seconds of CPU, or the deadline) stopped it: ``used`` is then
    the union less the drops made so far, each checked (not minimal, and reported so:
    over-reporting a used assumption is safe, under-reporting not).

    Z3's raw cores are not minimal; deletion over the few named assumptions, in sorted
    order, is cheap per query. Each query is capped by Z3's resource counter, not a clock,
    so the list reported is the same on a busy and an idle machine (an assumption whose
    query runs out, or whose proof has no solver, is kept). In fixed point (``fixed``)
    each query is asked first of its own solver under the quick cap, then those that ran
    out at length (``without_at_length``): the name is kept as soon as one is not unsat,
    in whatever order (the same answer); in exact arithmetic of its own solver at once.
    """
    start = minimizing_since()
    for name in sorted(used):
        if minimize_stopped(start, deadline, budget):
            return False
        if name in needed:
            continue
        rest = sorted(used - {name})
        slow: list[tuple[z3.Solver, list[Any]]] = []
        ok = True
        for solver, core in proved:
            if name not in core:
                continue
            if solver is None:  # a core that could not be computed keeps all it names
                ok = False
                break
            given = [z3.Bool(f"assume:{n}", solver.ctx) for n in rest]
            if fixed:
                quick = check(
                    solver,
                    deadline,
                    given,
                    rlimit=MINIMIZE_QUICK_RLIMIT,
                    cpu_cap=MINIMIZE_QUICK_CPU,
                )
                if quick == z3.unknown:
                    slow.append((solver, given))
                    continue
            else:
                quick = check(solver, deadline, given, cap_ms=MINIMIZE_SAFETY_MS, rlimit=rlimit)
            if quick != z3.unsat:
                ok = False
                break
        for solver, given in slow if ok else ():
            if without_at_length(solver, given, deadline, rlimit) != z3.unsat:
                ok = False
                break
        if ok:
            used.discard(name)
    return True
