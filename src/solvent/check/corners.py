"""A violation at depth ``k`` with the market at its envelope's corners (fixed point).

In fixed-point arithmetic every product of two solver values is a floor division of a
nonlinear integer term (``mul_down(price, 1 + move)``, ``mul_down(size, price - entry)``):
Z3's nonlinear integer reasoning then stalls on questions the same spec in exact
arithmetic answers at once (the corpus's fixed-point perpetual, bug at depth 3: the
incremental unrolling gave no answer within 50 million resource units, the one-shot query
none within 5 million in the quote style and within 20 million on 3 accounts).

``at_corners_path`` asks the one-shot question at depth ``k`` (the properties before ``k``
as facts, one broken at ``k``) with every market draw pinned to one end of its envelope,
substituted into the query: the prices of every step are then constants, every product a
constant times a solver value, and the query linear (0.05-0.2 s on 1-3 accounts). The
pinned paths are tried in a fixed order, each capped by Z3's resource counter, so the
answer is the same on every machine and for every ``--jobs``: first each draw at the
same end at every step (``lo`` before ``hi``, the draws in the envelope's order), then
every other assignment, at most ``MAX_CORNERS`` queries.

Where they are asked: in the bmc portfolio's first attempt at the last depth, once the
capped unrolling has cleared the depths before it (``first_attempt``), and first in the
canonical derivation of a violation at a shortest depth (``canonical``).

It only *finds*: a pinned path is a path of the spec (the corners are inside the
envelope), replayed on the concrete judge before it is shown like every counterexample;
an unsatisfiable pinned query says nothing about the others, so it never proves.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from fractions import Fraction

import z3

from solvent.backends.modes import symbolic_for
from solvent.check.members import Answer, _reparsed, depth_query
from solvent.check.results import FAIL, UNKNOWN
from solvent.check.round_values import readable_values
from solvent.check.solving import (
    Deadline,
    IrrationalModel,
    check,
    fresh_context,
    trace_from_values,
)
from solvent.spec.spec import PredicateDecl, Spec

CORNER_RLIMIT = 1_000_000  # resource units per pinned query (the corpus's: 0.01-0.15 million)
# pinned queries at most: an unsatisfiable one costs about 0.3 s on 1 account (all 64 of
# depth 3 with two draws: 17 s on the safe corpus spec), so the first attempt asks only
# the draws constant over the steps (``CONSTANT_CORNERS``), the canonical derivation of a
# violation known to exist a few more
MAX_CORNERS = 16
CONSTANT_CORNERS = 4


def applies(spec: Spec) -> bool:
    """Whether the corners are asked: fixed-point arithmetic, a market to pin."""
    return getattr(spec, "arithmetic", "exact") == "fixed" and bool(spec.bounds)


def assignments(names: Sequence[str], k: int) -> Iterator[tuple[tuple[int, ...], ...]]:
    """Per step, per draw: 0 (the envelope's low end) or 1 (its high end), in the order
    tried: constant over the steps first, then every other assignment."""
    seen: set[tuple[tuple[int, ...], ...]] = set()
    constant = (tuple([ends] * k) for ends in itertools.product((0, 1), repeat=len(names)))
    rest = (
        tuple(flat[i * len(names) : (i + 1) * len(names)] for i in range(k))
        for flat in itertools.product((0, 1), repeat=len(names) * k)
    )
    for pick in itertools.chain(constant, rest):
        if pick not in seen:
            seen.add(pick)
            yield pick


def at_corners_path(
    spec: Spec,
    decls: Sequence[PredicateDecl],
    k: int,
    deadline: Deadline,
    simplify: bool,
    rlimit: int = CORNER_RLIMIT,
    limit: int = MAX_CORNERS,
) -> Answer:
    """The first pinned path (in ``assignments``' order) breaking a property at ``k``.

    FAIL with its path (``shortest`` when the caller knows the depths before ``k`` are
    free of violations), else UNKNOWN."""
    if k < 1 or not applies(spec):
        return Answer("corners", UNKNOWN, depth=max(k - 1, 0), note="not applicable")
    backend = symbolic_for(spec)
    names = list(spec.bounds)
    with fresh_context():
        query = depth_query(spec, decls, k, deadline)
        if query is None:
            return Answer("corners", UNKNOWN, depth=k - 1, note="out of time while encoding")
        solver, u, props = query
        ends = {}
        for name in names:
            dom = spec.bounds[name]
            lo, hi = u.bound_terms.get(
                name, (backend.const(Fraction(dom.lo)), backend.const(Fraction(dom.hi)))
            )
            ends[name] = (lo, hi)
        facts = list(solver.assertions())
        for n, pick in enumerate(assignments(names, k)):
            if n >= limit or deadline.expired():
                break
            pins = [
                (sv.market[name], ends[name][side])
                for sv, sides in zip(u.steps, pick, strict=True)
                for name, side in zip(names, sides, strict=True)
                if name in sv.market
            ]
            pinned = z3.Solver()
            pinned.add(*[z3.substitute(f, *pins) for f in facts])
            status, values = _reparsed(pinned, deadline, rlimit)
            if status != z3.sat:
                continue
            solver.add(*[var == end for var, end in pins])
            if check(solver, deadline, values) != z3.sat:  # pragma: no cover
                return Answer("corners", UNKNOWN, depth=k - 1, note="the pinned model failed")
            model = solver.model()
            failed = tuple(
                d.name for d, _, p in props if z3.is_false(model.eval(p, model_completion=True))
            )
            try:
                got = readable_values(solver, u, k, failed, deadline, prefer_simple=simplify)
            except IrrationalModel:  # pragma: no cover - integers only in fixed point
                return Answer("corners", UNKNOWN, depth=k - 1, note="irrational model")
            trace = trace_from_values(u, got, k, {})
            extra: dict[str, object] = {"corner": n}
            return Answer(
                "corners", FAIL, depth=k, shortest=True, trace=trace, failed=failed, extra=extra
            )
    return Answer("corners", UNKNOWN, depth=k - 1, note=f"no pinned path at depth {k}")
