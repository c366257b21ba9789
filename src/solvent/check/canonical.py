"""The counterexample of a bmc portfolio's FAIL, derived the same way whoever found it.

The portfolio's report must not depend on which member won (nor on the machine's load):
``canonical`` derives the counterexample again at the violation's depth, by one fixed
procedure capped only by Z3's resource counter; ``from_trace`` is the winner's own path,
used only when that derivation cannot answer within the budget.
"""

from __future__ import annotations

from solvent.check.corners import applies, at_corners_path
from solvent.check.members import (
    CANONICAL_RLIMIT,
    CHEAP_RLIMIT,
    Answer,
    at_depth_path,
    few_accounts,
    unroll,
)
from solvent.check.results import FAIL, UNKNOWN, CheckResult
from solvent.check.solving import Deadline
from solvent.check.symmetry import FULL_CANONICAL_ACCOUNTS, smaller
from solvent.check.verdicts import confirmed as _confirmed
from solvent.check.verdicts import irrational as _irrational
from solvent.spec.spec import PredicateDecl, Spec

# resource units of the one-shot query at the violation's depth (the fixed-point corpus
# spec's on 1 account: 0.24 million; the perp_pool_overreserved example's: none within 50
# million), so a spec that needs neither it nor the unrolling's 50 million does not pay
# 50 million twice
ONE_SHOT_RLIMIT = 2_000_000

NOT_SHORTEST = " (a shorter one was not ruled out within the budget)"
LONGER = (
    " (a violation exists at depth {}, the shortest, but its path could not be derived"
    " within the budget: this is a longer one)"
)
NOT_CANONICAL = (
    " (the {} member's own path, not canonicalised: the canonical derivation did not"
    " answer within its resource cap or the budget)"
)


def canonical(
    spec: Spec,
    decls: list[PredicateDecl],
    d: int,
    depth: int,
    deadline: Deadline,
    result: object,
    simplify: bool,
    shortest: bool = True,
) -> CheckResult | None:
    """The counterexample at depth ``d``, derived the same way whoever found it.

    Up to ``FULL_CANONICAL_ACCOUNTS`` accounts (or when the accounts do not all start
    alike) it is the full spec's incremental unrolling with the depth known; with more
    accounts it is the ``few`` member's derivation at depth ``d`` (the fewest accounts that
    show it, lifted), and the full spec's only when no smaller copy shows it. The
    unrolling's check at ``d`` is capped by ``CANONICAL_RLIMIT`` units of Z3's resource
    counter (the incremental solver of the fixed-point corpus spec on 1 account did not
    answer the depth-3 question in 30 s, where the ``fresh`` member's one-shot query did
    in 0.4 s); when it stops there and ``d`` is a shortest depth, the one-shot query at
    ``d`` (``members.at_depth_path``, on a parsed copy of its own) derives it, capped by
    ``ONE_SHOT_RLIMIT``. When ``d`` is a shortest depth the cheap ways come first: the
    unrolling capped at ``CHEAP_RLIMIT``, the one-shot query, and only then the unrolling
    under ``CANONICAL_RLIMIT``; in fixed-point arithmetic (``corners``: nonlinear integer
    products, where the unrolling stalls) the market pinned at its envelope's corners
    (``corners.at_corners_path``) before them. None when nothing answers:
    ``from_trace`` then shows the winner's own path, replayed, and says it is not the
    canonical one.
    """
    note = "" if shortest else NOT_SHORTEST
    if spec.accounts > FULL_CANONICAL_ACCOUNTS and smaller(spec):
        got = few_accounts(spec, decls, depth, deadline, simplify, known=d)
        if got.verdict == FAIL and got.trace is not None and got.depth == d:
            return _confirmed(spec, got.trace, d, got.failed, depth, result, note)
    cheap = shortest and d > 0 and applies(spec)
    if cheap:  # the depths before ``d`` are free of violations: the market at its corners
        corner = at_corners_path(spec, decls, d, deadline, simplify)
        if corner.verdict == FAIL and corner.trace is not None:
            return _confirmed(spec, corner.trace, d, corner.failed, depth, result, note)
    # with ``d`` known shortest: the unrolling capped low, the one-shot query, and only
    # then the unrolling's full cap (a user's funding-index perp on 1 account: the one-shot
    # query answers depth 4 within 2 million units, the unrolling in none of 50 million,
    # which took 115 s of CPU before the one-shot query was asked)
    staged = shortest and d > 0
    caps = (CHEAP_RLIMIT, CANONICAL_RLIMIT) if staged else (CANONICAL_RLIMIT,)
    for cap in caps:
        out = unroll(
            spec,
            decls,
            depth,
            deadline,
            simplify,
            known=d,
            facts=shortest,
            rlimit=cap,
            quick=cap == CHEAP_RLIMIT,
        )
        if out.verdict == FAIL and out.trace is not None:
            return _confirmed(spec, out.trace, d, out.failed, depth, result, note)
        if out.verdict == UNKNOWN and out.extra.get("irrational"):
            return _irrational(d, depth, out.note, out.failed, result)
        if not shortest or out.verdict != UNKNOWN or deadline.expired():
            return None
        if cap == CANONICAL_RLIMIT and staged:
            return None  # the one-shot query was asked already
        # the one-shot query at ``d`` on its parsed copy (its answer does not depend on
        # the Z3 work before it)
        one = at_depth_path(spec, decls, d, deadline, simplify, ONE_SHOT_RLIMIT)
        if one.verdict == FAIL and one.trace is not None:
            return _confirmed(spec, one.trace, d, one.failed, depth, result, note)
    return None


def from_trace(
    spec: Spec, winner: Answer, d: int, shortest: bool, depth: int, result: object
) -> CheckResult:
    """The winner's own concrete path, when the canonical query could not be answered."""
    from solvent.check.replay import replay

    replayed = None if winner.trace is None else replay(spec, winner.trace)
    first = None if replayed is None else replayed.first_failure
    if winner.trace is None or first is None or (first.step < d and shortest):
        cleared = d - 1 if shortest else 0  # the depths known free of violations
        return result(
            UNKNOWN,
            f"depth {cleared}/{depth}",  # type: ignore[operator]
            f"{winner.member} found a violation at depth {d}, but the solver could "
            "not derive the counterexample again within the budget; rerun with a "
            "larger --timeout",
            depth=cleared,
            details={"reason": "timeout"},
        )
    assert replayed is not None
    # the path up to its first violation (``deepest`` keeps its rung's path, which can be
    # longer than the shortest depth ``d`` it then showed)
    t = first.step
    trace = winner.trace.with_steps(winner.trace.steps[:t])
    if t == d:
        note = "" if shortest else NOT_SHORTEST
    elif shortest:
        note = LONGER.format(d)
    else:
        note = NOT_SHORTEST
    note += NOT_CANONICAL.format(winner.member)
    names = [x.name for x in replayed.failures if x.step == t]
    return _confirmed(spec, trace, t, names, depth, result, note)
