"""Houdini's rounds by the cases' models (``cases.split_survivors``), exact arithmetic.

A round asks each case of the step whether some candidate still alive fails there and
drops every candidate the model falsifies at once, instead of asking each candidate in
each case. It must keep exactly the candidates that hold in every case: checked here
against asking each candidate of the whole step query directly (no cases, no
preprocessing), and end to end against the route it replaced (the same lemmas, fewer
solver calls) and against the unrolled search (2 steps on 2 accounts, 3 on 1: independent
of any proof).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import z3
from check_helpers import held_whole, one_step

from solvent.check import houdini_round, members
from solvent.check.cases import split_survivors
from solvent.check.decompose import prove_any_accounts
from solvent.check.induction import prove
from solvent.check.results import PASS
from solvent.check.solving import Deadline, fresh_context
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "benchmarks" / "engine"


def two_markets(monkeypatch: pytest.MonkeyPatch, style: str, accounts: int) -> Spec:
    """The corpus's two-market perp of ``style``, safe variant (maintenance 8%)."""
    for key, value in {"ACCOUNTS": str(accounts), "MM": "0.08", "MARKETS": "2"}.items():
        monkeypatch.setenv(key, value)
    for key in ("LEMMAS", "FEES", "NEEDLE", "FIXED"):
        monkeypatch.delenv(key, raising=False)
    return load_spec(str(SPECS / f"perp_{style}.py"), None)


@pytest.mark.parametrize("style", ["entry", "quote"])
def test_the_survivors_are_the_candidates_each_query_keeps(
    monkeypatch: pytest.MonkeyPatch, style: str
) -> None:
    with fresh_context():
        u, pre, post, cases = one_step(two_markets(monkeypatch, style, 1))
        own = [f for f in post if isinstance(post[f], list)]
        posts: dict[str, list[Any]] = {
            "price >= 0": [post["price"].raw >= 0],  # holds (moves within 8%)
            "price2 >= 0": [post["price2"].raw >= 0],  # holds
            "both prices >= 0": [post["price"].raw >= 0, post["price2"].raw >= 0],
            "price <= 2": [post["price"].raw <= 2],  # does not (a price of 2 moves up)
            **{f"{f} unchanged": [post[f][0].raw == pre[f][0].raw] for f in own},
        }
        assert own  # the account's fields are among the candidates
        constraints = [
            *u.everything(),
            *u.assumption_literals(),
            pre["price"].raw >= 0,
            pre["price2"].raw >= 0,
        ]
        got = split_survivors(constraints, cases, posts, Deadline(120), 10_000_000)
        expected = held_whole(constraints, posts)  # each candidate, the whole step, directly
        assert got == expected
        assert {"price >= 0", "price2 >= 0", "both prices >= 0"} <= expected
        assert "price <= 2" not in expected and len(expected) < len(posts)


def test_the_quote_style_proof_keeps_its_lemmas_in_fewer_calls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = two_markets(monkeypatch, "quote", 2)
    calls = {"n": 0}
    plain = z3.Solver.check

    def counted(self: z3.Solver, *args: Any) -> Any:
        calls["n"] += 1
        return plain(self, *args)

    monkeypatch.setattr(z3.Solver, "check", counted)
    runs = {}
    for route in ("models", "each"):
        if route == "each":  # the route it replaced: every candidate asked alone
            monkeypatch.setattr(houdini_round, "split_survivors", lambda *a, **k: None)
        calls["n"] = 0
        result = prove_any_accounts(spec, prove, k=1, max_k=3, timeout=120, jobs=1)
        assert (result.verdict, result.accounts) == (PASS, "any"), result.message
        lemmas = [i["name"] for i in result.details["inferred_lemmas"]]
        runs[route] = (lemmas, result.details["assumptions_used"], calls["n"])
    assert runs["models"][:2] == runs["each"][:2]
    assert runs["models"][0] == ["liquidate_not_enabled", "price_at_least_0", "price2_at_least_0"]
    assert runs["models"][2] < runs["each"][2]
    # independent of any proof: every path of up to 2 steps on 2 accounts, searched
    monkeypatch.setattr(z3.Solver, "check", plain)
    assert members.run_member("incremental", spec, spec.properties(), 2, 120.0).verdict == PASS
    one = spec.with_accounts(1)
    assert members.run_member("incremental", one, one.properties(), 3, 120.0).verdict == PASS
