"""The minimization of a fixed-point proof's assumptions asks a fresh solver first.

``minimize_query.without`` asks whether a proved query stays unsat with fewer named
assumptions by asserting them in a fresh solver (Z3's non-incremental tactics), and only
when that runs out with them assumed in the proof's own solver, as before. Both ask the
same question: checked on a small integer step (a fixed-point account's collateral and
size, three named assumptions) for every subset of the assumptions against the proof's
own solver, and against a brute-force search of the same formula over a box of integers.
"""

from __future__ import annotations

import itertools

import z3

from solvent.check.minimize_query import without as _without
from solvent.check.solving import Deadline, check, fresh_context

NAMES = ("envelope.move.lo", "hyp.healthy", "keeper.liquidate")


def _query() -> tuple[z3.Solver, dict[str, z3.BoolRef], tuple[z3.ArithRef, ...]]:
    coll, size, move = z3.Ints("coll size move")
    lits = {n: z3.Bool(n) for n in NAMES}
    solver = z3.Solver()
    solver.add(
        z3.Implies(lits["envelope.move.lo"], move >= -8),
        z3.Implies(lits["hyp.healthy"], coll * 100 >= size * 10),
        z3.Implies(lits["keeper.liquidate"], size <= 50),
        size >= 0,
        coll >= 0,
        move <= 0,
        # the obligation, negated: the account's equity after the move is negative
        coll * 100 + size * move < 0,
    )
    return solver, lits, (coll, size, move)


def _brute(subset: tuple[str, ...]) -> bool:
    """Whether some integer point in a box satisfies the query with ``subset`` assumed."""
    for coll, size, move in itertools.product(range(0, 8), range(0, 60, 3), range(-12, 1)):
        holds = {
            "envelope.move.lo": move >= -8,
            "hyp.healthy": coll * 100 >= size * 10,
            "keeper.liquidate": size <= 50,
        }
        if all(holds[n] for n in subset) and coll * 100 + size * move < 0:
            return True
    return False


def test_every_subset_gets_the_answer_of_the_proofs_own_solver() -> None:
    with fresh_context():
        solver, lits, _vars = _query()
        assert check(solver, Deadline(30), list(lits.values())) == z3.unsat
        for r in range(len(NAMES) + 1):
            for subset in itertools.combinations(NAMES, r):
                chosen = [lits[n] for n in subset]
                fresh = _without(solver, chosen, Deadline(30), 4_000_000)
                old = check(solver, Deadline(30), chosen, rlimit=4_000_000)
                assert fresh == old, subset
                if fresh == z3.sat:  # a real point: some small one is found by brute force
                    assert _brute(subset), subset
                # unsat: the box has no point either (the brute force agrees)
                assert fresh != z3.unsat or not _brute(subset), subset
