"""The non-incremental "within K steps" query of the bmc portfolio's ``deepest`` member,
and the shortening that makes its depth a shortest one (``members``).

Each query is one new solver over ``K`` unrolled steps, the assumptions added as facts
(so Z3 keeps its non-incremental strategies), asking that some property fails at some
step up to ``K``. A satisfiable query's path can be kept (``paths``): when the canonical
derivation of the counterexample does not answer within the budget, that path, replayed
on the concrete backend, is what the report shows (``canonical.from_trace``).
"""

from __future__ import annotations

from collections.abc import Sequence

import z3

from solvent.check.encode import Unrolling
from solvent.check.round_values import _values_of
from solvent.check.solving import Deadline, check, fresh_context, trace_from_values
from solvent.engine.trace import Trace
from solvent.spec.spec import PredicateDecl, Spec


def unrolled_in_new_solver(
    spec: Spec, n: int, deadline: Deadline
) -> tuple[z3.Solver, Unrolling] | None:
    """``n`` steps in a new solver; None when the budget runs out while encoding them (one
    step of a 1,000-account spec took 18 s of Python, which no solver timeout stops)."""
    solver = z3.Solver()
    u = Unrolling(spec, solver)
    for _ in range(n):
        if deadline.expired():
            return None
        u.add_step()
    return solver, u


def within(
    spec: Spec,
    decls: Sequence[PredicateDecl],
    n: int,
    deadline: Deadline,
    rlimit: int | None = None,
    paths: list[Trace] | None = None,
) -> tuple[str, int]:
    """One non-incremental query: does some property fail within ``n`` steps?

    Returns ("sat", the smallest failing depth in the model), ("unsat", n) or
    ("unknown", n). On "sat", the model's path up to that depth is appended to ``paths``
    when given and its values are rational (``deepest`` keeps it: when the shortest
    depth's own path cannot be derived within the budget, this one, replayed, is still a
    counterexample to show).
    """
    with fresh_context():
        unrolled = unrolled_in_new_solver(spec, n, deadline)
        if unrolled is None:
            return "unknown", n
        solver, u = unrolled
        solver.add(*u.assumption_literals())  # facts, not assumptions: stays non-incremental
        by_depth = [u.properties(t, decls) for t in range(n + 1)]
        solver.add(z3.Or([z3.Not(p) for props in by_depth for _, _, p in props]))
        status = check(solver, deadline, rlimit=rlimit)
        if status == z3.sat:
            model = solver.model()
            for t, props in enumerate(by_depth):
                if any(z3.is_false(model.eval(p, model_completion=True)) for _, _, p in props):
                    if paths is not None and (found := _model_path(u, model, t)) is not None:
                        paths.append(found)
                    return "sat", t
            return "sat", n  # pragma: no cover - the disjunction holds somewhere
        return ("unsat" if status == z3.unsat else "unknown"), n


def _model_path(u: Unrolling, model: z3.ModelRef, t: int) -> Trace | None:
    """The model's first ``t`` steps as a Trace; None when a value is irrational."""
    values = _values_of(model, u.inputs)
    if any(v is None for v in values.values()):
        return None
    return trace_from_values(u, values, t, {})


def shorten(
    spec: Spec,
    decls: Sequence[PredicateDecl],
    d: int,
    deadline: Deadline,
    rlimit: int | None = None,
    paths: list[Trace] | None = None,
) -> tuple[int, bool]:
    """The shortest violation depth given one at ``d``: (depth, whether proved shortest).
    Each shorter query's path is appended to ``paths`` when given (``within``).

    ``rlimit`` caps each query by Z3's resource counter (a cap that gives the same answer
    on a busy and an idle machine). One non-incremental query per depth: the incremental
    unrolling (depth by depth, facts kept) decides the entry-style corpus spec's depth-2
    question at 10 accounts where this query does not, but took 4-20x longer on the quote
    style and ran far past its per-check cap (benchmarks/results/engine.md, round 6).
    """
    while d > 0:
        status, t = within(spec, decls, d - 1, deadline, rlimit, paths)
        if status == "unsat":
            return d, True
        if status == "unknown":
            return d, False
        d = t
    return d, True
