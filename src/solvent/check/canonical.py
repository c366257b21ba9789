"""The counterexample of a bmc portfolio's FAIL, derived the same way whoever found it.

The portfolio's report must not depend on which member won (nor on the machine's load):
``canonical`` derives the counterexample again at the violation's depth, by one fixed
procedure capped only by Z3's resource counter; ``from_trace`` is the winner's own path,
used only when that derivation cannot answer within the budget.
"""

from __future__ import annotations

from solvent.check.members import Answer, few_accounts, unroll
from solvent.check.results import FAIL, UNKNOWN, CheckResult
from solvent.check.solving import Deadline
from solvent.check.symmetry import FULL_CANONICAL_ACCOUNTS, smaller
from solvent.check.verdicts import confirmed as _confirmed
from solvent.check.verdicts import irrational as _irrational
from solvent.spec.spec import PredicateDecl, Spec

NOT_SHORTEST = " (a shorter one was not ruled out within the budget)"


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
    show it, lifted), and the full spec's only when no smaller copy shows it. None when the
    solver cannot answer at ``d`` within the budget (see ``unroll``).
    """
    note = "" if shortest else NOT_SHORTEST
    if spec.accounts > FULL_CANONICAL_ACCOUNTS and smaller(spec):
        got = few_accounts(spec, decls, depth, deadline, simplify, known=d)
        if got.verdict == FAIL and got.trace is not None and got.depth == d:
            return _confirmed(spec, got.trace, d, got.failed, depth, result, note)
    out = unroll(spec, decls, depth, deadline, simplify, known=d, facts=shortest)
    if out.verdict == FAIL and out.trace is not None:
        return _confirmed(spec, out.trace, d, out.failed, depth, result, note)
    if out.verdict == UNKNOWN and out.extra.get("irrational"):
        return _irrational(d, depth, out.note, out.failed, result)
    return None


def from_trace(
    spec: Spec, winner: Answer, d: int, shortest: bool, depth: int, result: object
) -> CheckResult:
    """The winner's own concrete path, when the canonical query could not be answered."""
    if winner.trace is None or len(winner.trace.steps) != d:
        return result(
            UNKNOWN,
            f"depth {d}/{depth}",  # type: ignore[operator]
            f"{winner.member} found a violation at depth {d}, but the solver could "
            "not derive the counterexample again within the budget; rerun with a "
            "larger --timeout",
            depth=d,
            details={"reason": "timeout"},
        )
    from solvent.check.replay import replay

    first = replay(spec, winner.trace).first_failure
    assert first is not None and first.step == d
    note = "" if shortest else NOT_SHORTEST
    names = [x.name for x in replay(spec, winner.trace).failures if x.step == d]
    return _confirmed(spec, winner.trace, d, names, depth, result, note)
