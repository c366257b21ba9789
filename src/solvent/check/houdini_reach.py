"""Houdini's fixed-point candidates that a short path from an initial state breaks,
dropped before its rounds (``infer.houdini``).

Houdini keeps the largest set of candidates that hold initially and are kept by every step
from a state where they and the properties hold: that set is unique (the union of two
such sets is one), so a candidate known to lie outside it can be dropped at any time
without changing which candidates survive. A candidate false on a path from an initial
state whose earlier states satisfy the properties lies outside it: the surviving set holds
on the initial state (the base case) and, with the properties, is kept by each step, so
it holds on every state of that path.

The paths asked here are two steps from an initial state, the market still in the first
(each draw pinned to 0, or its envelope's end nearest to 0): the first step's products
of a price and a size are then of a constant price, so the query is nearly linear where
Houdini's own round queries, from an arbitrary state, are not. They are asked case by
case of the second step (``cases``), each model checked against the constraints
(``cases._falsify``) and every candidate it falsifies on either state dropped; a case is
asked again until it is unsat or runs out of ``REACH_RLIMIT`` units (or ``REACH_CPU``
seconds of CPU): a query that gives up drops nothing, so a clock never changes which
candidates survive, only which of Houdini's rounds drops them. The corpus's quote-style
fixed-point spec at 100 accounts: the round queries whose models dropped
``quote_at_least_0``, ``size_at_least_0`` and ``trade_allowed`` (one at a time, from an
arbitrary state) and the second round they caused made its rounds 32 checks and 0.81
million Z3 units; with those three dropped here (9 checks, 0.12 million units) the rounds
take 27 checks and 0.25 million (benchmarks/results/engine.md, round 24).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import z3

from solvent.check.cases import _falsify, step_cases
from solvent.check.encode import Unrolling
from solvent.check.solving import Deadline
from solvent.spec.spec import PredicateDecl, Spec

REACH_RLIMIT = 300_000  # Z3 resource units per query (a count: the same on every machine)
REACH_CPU = 0.5  # its CPU safety net, seconds
DEPTH = 2


def as_bool(raw: Any) -> Any:
    """A predicate's Z3 value as a Boolean (a number: nonzero)."""
    return raw if z3.is_bool(raw) else raw != 0


def broken_on_paths(
    spec: Spec, cands: Sequence[PredicateDecl], assumed: Sequence[PredicateDecl], deadline: Deadline
) -> set[str]:
    """The names of ``cands`` false on a path from an initial state (module doc) whose
    states before each step satisfy ``assumed`` (the properties Houdini assumes)."""
    r = Unrolling(spec)
    for _ in range(DEPTH):
        r.add_step()
    facts = [as_bool(raw) for t in range(DEPTH) for _d, _a, raw in r.properties(t, assumed)]
    still = []
    for i in r.inputs:
        if i.kind == "market" and i.step == 1 and i.domain is not None:
            lo, hi = Fraction(i.domain.lo), Fraction(i.domain.hi)
            still.append(i.var == r.backend.const(min(max(Fraction(0), lo), hi)))
    constraints = [*r.everything(), *r.assumption_literals(), *facts, *still]
    after: dict[str, list[Any]] = {}
    for t in range(1, DEPTH + 1):
        for decl, _acc, raw in r.properties(t, list(cands)):
            after.setdefault(decl.name, []).append(as_bool(raw))
    broken: set[str] = set()
    for case in step_cases(r) or [z3.BoolVal(True)]:
        while after and not deadline.expired():
            status, _solver, dropped, _took = _falsify(
                constraints, case, after, after, deadline, (),
                rlimit=REACH_RLIMIT, cpu_cap=REACH_CPU,
            )  # fmt: skip
            if status != z3.sat or not dropped:
                break
            broken |= dropped
            after = {n: ps for n, ps in after.items() if n not in dropped}
    return broken
