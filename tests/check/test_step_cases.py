"""The case split of a step query (``check/cases.py``) on the corpus's two-market perp.

The split asks one query per case of the step's choices (which action ran, whether the
keeper fired). It is sound only if the cases partition the step and a split answer is
the whole query's answer: both are checked here against Z3 directly. The proof it speeds
up (the two-market safe variant, proved for every number of accounts with inferred
lemmas) is checked against the unrolled search (the ``incremental`` member alone, no
proof) on 1 and 2 accounts, and it infers the same lemmas as the unsplit Houdini did.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import z3
from check_helpers import assert_partition

from solvent.check import cases as cases_module
from solvent.check import members
from solvent.check.cases import split_check, step_cases
from solvent.check.decompose import prove_any_accounts
from solvent.check.encode import Unrolling
from solvent.check.induction import prove
from solvent.check.results import PASS
from solvent.check.solving import Deadline, fresh_context
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "benchmarks" / "engine" / "perp_entry.py"


def two_markets(monkeypatch: pytest.MonkeyPatch, accounts: int) -> Spec:
    """The corpus's two-market entry-style perp, safe variant (maintenance 8%)."""
    for key, value in {"ACCOUNTS": str(accounts), "MM": "0.08", "MARKETS": "2"}.items():
        monkeypatch.setenv(key, value)
    for key in ("LEMMAS", "FEES", "NEEDLE", "FIXED"):
        monkeypatch.delenv(key, raising=False)
    return load_spec(str(ENTRY), None)


def step(spec: Spec) -> tuple[Unrolling, list[z3.BoolRef]]:
    u = Unrolling(spec, free_init=True)
    u.add_step()
    return u, [*u.everything(), *u.assumption_literals()]


def test_the_cases_partition_the_step(monkeypatch: pytest.MonkeyPatch) -> None:
    with fresh_context():
        u, constraints = step(two_markets(monkeypatch, 1))
        cases = step_cases(u)
        assert cases is not None and len(cases) == 6  # no action, trade, trade2 x fired
        assert_partition(constraints, cases)


def test_the_guard_cases_partition_the_exact_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """``guards`` (the final proof's step): each trade's case split by its guard too."""
    with fresh_context():
        u, constraints = step(two_markets(monkeypatch, 1))
        cases = step_cases(u, guards=True)
        # no action, trade and trade2 each with its guard held or failed; x fired or not
        assert cases is not None and len(cases) == 10
        assert_partition(constraints, cases)


def test_a_case_whose_prepared_query_repeats_is_asked_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cases that only fix a variable the query does not otherwise use prepare to one
    query: Z3 is asked it once, and the answer is the whole query's (checked directly)."""
    asked: list[int] = []
    plain = cases_module.check

    def counted(solver: z3.Solver, *args: object, **kwargs: object) -> object:
        asked.append(1)
        return plain(solver, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cases_module, "check", counted)
    with fresh_context():
        x, y, pick = z3.Real("x"), z3.Real("y"), z3.Int("pick")
        query = [x * y > 1, x * x < 0, z3.Or(pick == 0, pick == 1, pick == 2)]
        split = split_check(query, [pick == 0, pick == 1, pick == 2], Deadline(60))
        assert split.status == z3.unsat
        assert len(asked) == 1 and len(split.proofs) == 1
        whole = z3.Solver()
        whole.add(*query)
        assert whole.check() == z3.unsat
        # a case that changes the query is asked: here the second case is satisfiable
        asked.clear()
        query = [x * y > 1, z3.Or(pick == 0, pick == 1), z3.Implies(pick == 0, x * x < 0)]
        split = split_check(query, [pick == 0, pick == 1], Deadline(60))
        assert split.status == z3.sat and len(asked) == 2


def test_a_split_answer_is_the_whole_querys(monkeypatch: pytest.MonkeyPatch) -> None:
    with fresh_context():
        spec = two_markets(monkeypatch, 1)
        u, constraints = step(spec)
        cases = step_cases(u)
        assert cases is not None
        pre, post = u.states[0], u.states[1]
        hyps = [pre["price"].raw >= 0, pre["price2"].raw >= 0]
        goals = {
            "price stays >= 0": post["price"].raw >= 0,  # holds (moves are within 8%)
            "collateral stays >= 0": post["coll"][0].raw >= 0,  # does not
            "size stays 0": post["size"][0].raw == 0,  # does not (a trade)
        }
        for name, goal in goals.items():
            query = [*constraints, *hyps, z3.Not(goal)]
            whole = z3.Solver()
            whole.add(*query)
            split = split_check(query, cases, Deadline(60), rlimit=10_000_000)
            assert split.status == whole.check(), name
            if split.status == z3.sat:  # the satisfiable case has a model of the query
                within = z3.Solver()
                within.add(*query, split.case)
                assert within.check() == z3.sat, name


def test_the_two_market_proof_for_any_n_agrees_with_the_unrolled_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = two_markets(monkeypatch, 2)
    result = prove_any_accounts(spec, prove, k=1, max_k=3, timeout=120, jobs=1)
    assert (result.verdict, result.accounts) == (PASS, "any"), result.message
    inferred = [i["name"] for i in result.details["inferred_lemmas"]]
    # the lemmas the unsplit Houdini inferred (round 9, l13d): the same candidates survive
    assert inferred == ["liquidate_not_enabled", "price_at_least_0", "price2_at_least_0"]
    # independent: every path of up to 2 steps on 2 accounts, 3 steps on 1, searched
    assert members.run_member("incremental", spec, spec.properties(), 2, 120.0).verdict == PASS
    one = spec.with_accounts(1)
    assert members.run_member("incremental", one, one.properties(), 3, 120.0).verdict == PASS
