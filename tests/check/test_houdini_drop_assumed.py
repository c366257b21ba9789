"""Houdini's fixed-point rounds stop assuming a candidate as soon as a model drops it
(``cases.named_survivors``, round 21).

Before, a round kept every candidate it started with as a hypothesis until its end: the
cases asked after a drop could prove a candidate with the dropped one's help, their cores
named it, and the next round asked those cases again (the corpus's quote-style
fixed-point spec: 23 case queries in its rounds). Now the cases after a drop are asked
under the hypotheses still alive. Checked here: on a small integer step the survivors of
the rounds are the largest inductive set computed by whole queries (fresh solvers, no
cases), a candidate that only a dropped one made look inductive is dropped in the same
round (it survived that round before), and no recorded core names a dropped candidate;
on the corpus the rounds' case queries and the whole proof's solver checks are counted
(counts, not time), and its PASS is checked against the unrolled search on 2 accounts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import z3

from solvent.check import cases as cases_mod
from solvent.check.bmc import bmc
from solvent.check.cases import named_survivors
from solvent.check.decompose import prove_any_accounts
from solvent.check.induction import prove
from solvent.check.results import PASS
from solvent.check.solving import Deadline, fresh_context
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]


def _largest_inductive(step: list[Any], pre: dict[str, Any], post: dict[str, Any]) -> set[str]:
    """The largest set of candidates inductive together, by whole queries (no cases, no
    named hypotheses): drop any candidate whose post fails from the rest, until none."""
    alive = set(pre)
    changed = True
    while changed:
        changed = False
        for name in sorted(alive):
            solver = z3.Solver()
            solver.add(*step, *(pre[n] for n in alive), z3.Not(post[name]))
            answer = solver.check()
            assert answer != z3.unknown
            if answer == z3.sat:
                alive.discard(name)
                changed = True
    return alive


def test_a_dropped_candidate_no_longer_proves_the_others_in_its_round() -> None:
    with fresh_context():
        x, w, y, x1, w1, y1 = z3.Ints("x w y x1 w1 y1")
        c = z3.Bool("c")
        # case c: w grows (so "w <= 0" fails there); case not c: y gains x
        step = [
            x1 == x,
            w1 == z3.If(c, w + 1, w),
            y1 == z3.If(c, y, y + x),
        ]
        cases = [c, z3.Not(c)]
        pre = {
            "A: x >= 1 and w <= 0": z3.And(x >= 1, w <= 0),
            "B: y >= 0": y >= 0,  # inductive only while x >= 0 is assumed (by A alone)
            "C: x == x": x == x,  # always inductive
        }
        post = {
            "A: x >= 1 and w <= 0": z3.And(x1 >= 1, w1 <= 0),
            "B: y >= 0": y1 >= 0,
            "C: x == x": x1 == x1,
        }
        lits = {name: z3.Bool(f"houdini:{name}") for name in pre}
        by_lit = {str(lit): name for name, lit in lits.items()}
        constraints = [*step, *(z3.Implies(lits[n], pre[n]) for n in pre)]
        known: dict[str, dict[int, frozenset[str]]] = {}
        plain = z3.Solver.check
        asked = {"n": 0}

        def counted(self: z3.Solver, *args: Any) -> Any:
            asked["n"] += 1
            return plain(self, *args)

        alive = dict(post)
        first = None
        z3.Solver.check = counted  # type: ignore[method-assign]
        try:
            while True:  # Houdini's rounds (infer.houdini)
                assumed = [lits[n] for n in alive]
                held = named_survivors(
                    constraints, cases, {n: [alive[n]] for n in alive}, Deadline(30),
                    assumptions=assumed, by_lit=by_lit, known=known,
                )  # fmt: skip
                assert held is not None
                first = held if first is None else first
                if held == set(alive):
                    break
                alive = {n: p for n, p in alive.items() if n in held}
        finally:
            z3.Solver.check = plain  # type: ignore[method-assign]
        expected = _largest_inductive(step, pre, post)
        assert set(alive) == expected == {"C: x == x"}
        # A is dropped in case c; B's case "not c" is then asked without A, so B goes in
        # the same round (before, A's hypothesis proved it there and B lived one round more)
        assert first == {"C: x == x"}
        dropped = set(pre) - expected
        for name in expected:
            for core in known[name].values():
                assert not core & dropped, (name, core)
        assert asked["n"] <= 5  # case c: sat (A), unsat; not c: sat (B), unsat; the check round


def _corpus(monkeypatch: pytest.MonkeyPatch, accounts: int) -> Any:
    for key, value in {"FIXED": "1", "ACCOUNTS": str(accounts), "MM": "0.08"}.items():
        monkeypatch.setenv(key, value)
    for key in ("LEMMAS", "FEES", "NEEDLE", "MARKETS", "FLOOR"):
        monkeypatch.delenv(key, raising=False)
    return load_spec(str(ROOT / "benchmarks" / "engine" / "perp_quote.py"), None)


def test_the_quote_fixed_point_proof_asks_fewer_case_queries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = _corpus(monkeypatch, 100)
    falsify = cases_mod._falsify
    counts = {"rounds": 0, "checks": 0}

    def counted_falsify(*args: Any, **kwargs: Any) -> Any:
        counts["rounds"] += 1
        return falsify(*args, **kwargs)

    plain = z3.Solver.check

    def counted(self: z3.Solver, *args: Any) -> Any:
        counts["checks"] += 1
        return plain(self, *args)

    monkeypatch.setattr(cases_mod, "_falsify", counted_falsify)
    monkeypatch.setattr(z3.Solver, "check", counted)
    result = prove_any_accounts(spec, prove, timeout=120, max_k=3)
    monkeypatch.setattr(z3.Solver, "check", plain)
    assert (result.verdict, result.accounts) == (PASS, "any"), result.message
    assert [i["name"] for i in result.details["inferred_lemmas"]] == [
        "liquidate_not_enabled",
        "price_at_least_0",
    ]
    # Houdini's case queries by models: 23 on main before round 21, 13 in round 21, 8
    # since round 24 (``houdini_reach`` drops three candidates by paths first, in 9 queries
    # of its own, nearly linear); the whole proof's solver checks 82 -> 72 -> 74, its Z3
    # units 1.70M -> 1.24M (the lemmas and the report unchanged)
    assert counts["rounds"] <= 8
    assert counts["checks"] <= 74
    # the PASS against the unrolled search alone (no induction, no lemmas) on 2 accounts
    small = _corpus(monkeypatch, 2)
    search = bmc(small, 2, timeout=60, induction=False, simplify=False)
    assert (search.verdict, search.bound) == (PASS, "depth 2/2"), search.message
