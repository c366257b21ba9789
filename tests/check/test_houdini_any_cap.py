"""A later Houdini round's query "does some candidate fail in this case" capped by the
units the case's last answered query took, times the candidates asked
(``cases.split_survivors``' ``spent``, exact arithmetic).

The cap decides which queries are asked, never an answer: a capped query that runs out
is followed by each candidate alone. Checked on the corpus's two-market step (one
account) against asking each candidate of the whole step directly, with the cap forced
to run out in every case, and end to end against the route without the cap (the same
lemmas and assumptions; the proof of that spec is checked against the unrolled search in
``test_houdini_models.py``).
"""

from __future__ import annotations

from typing import Any

import pytest
import z3
from check_helpers import held_whole, one_step
from test_houdini_models import two_markets

from solvent.check import cases as cases_module
from solvent.check.cases import split_survivors
from solvent.check.decompose import prove_any_accounts
from solvent.check.induction import prove
from solvent.check.results import PASS
from solvent.check.solving import Deadline, fresh_context


def test_a_capped_query_that_runs_out_keeps_the_same_survivors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with fresh_context():
        u, pre, post, cases = one_step(two_markets(monkeypatch, "entry", 1))
        posts: dict[str, list[Any]] = {
            "price >= 0": [post["price"].raw >= 0],  # holds
            "price2 >= 0": [post["price2"].raw >= 0],  # holds
            "price <= 2": [post["price"].raw <= 2],  # does not
            "size unchanged": [post["size"][0].raw == pre["size"][0].raw],  # does not
        }
        constraints = [
            *u.everything(),
            *u.assumption_literals(),
            pre["price"].raw >= 0,
            pre["price2"].raw >= 0,
        ]
        expected = held_whole(constraints, posts)  # each candidate, the whole step, directly
        assert expected == {"price >= 0", "price2 >= 0"}
        spent: dict[int, int] = {}
        first = split_survivors(constraints, cases, posts, Deadline(120), 10_000_000, spent=spent)
        assert first == expected
        assert sorted(spent) == list(range(len(cases)))  # every case's units recorded
        assert all(units > 0 for units in spent.values())
        # a later round whose every capped query runs out (a cap of one unit)
        monkeypatch.setattr(cases_module, "ANY_FLOOR", 1)
        monkeypatch.setattr(cases_module, "ANY_GROWTH", 0)
        caps: list[Any] = []
        falsify = cases_module._falsify

        def spy(*args: Any, **kwargs: Any) -> Any:
            got = falsify(*args, **kwargs)
            caps.append((kwargs["rlimit"], len(args[2]), got[0]))
            return got

        monkeypatch.setattr(cases_module, "_falsify", spy)
        alive = {n: posts[n] for n in expected}
        spent = dict.fromkeys(spent, 0)
        again = split_survivors(constraints, cases, alive, Deadline(120), 10_000_000, spent=spent)
        assert again == expected
        capped = [c for c in caps if c[0] == 1]
        assert len(capped) == len(cases) and all(c[2] == z3.unknown for c in capped)
        alone = [c for c in caps if c[0] == 10_000_000]  # then each alone, answered
        assert len(alone) == len(cases) * len(alive)
        assert all(c[1] == 1 and c[2] == z3.unsat for c in alone)


def test_the_entry_style_proof_keeps_its_lemmas_and_assumptions_with_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = two_markets(monkeypatch, "entry", 2)
    falsify = cases_module._falsify
    caps: list[int] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        caps.append(kwargs["rlimit"])
        return falsify(*args, **kwargs)

    monkeypatch.setattr(cases_module, "_falsify", spy)
    runs = {}
    for route in ("capped", "uncapped"):
        if route == "uncapped":  # every query of them all under ANY_RLIMIT, as before
            monkeypatch.setattr(cases_module, "ANY_FLOOR", cases_module.ANY_RLIMIT)
        caps.clear()
        result = prove_any_accounts(spec, prove, k=1, max_k=3, timeout=120, jobs=1)
        assert (result.verdict, result.accounts) == (PASS, "any"), result.message
        lemmas = [i["name"] for i in result.details["inferred_lemmas"]]
        below = [c for c in caps if c < cases_module.ANY_RLIMIT]
        runs[route] = (lemmas, result.details["assumptions_used"], len(below))
    assert runs["capped"][:2] == runs["uncapped"][:2]
    assert runs["capped"][0] == ["liquidate_not_enabled", "price_at_least_0", "price2_at_least_0"]
    assert runs["capped"][2] > 0 == runs["uncapped"][2]  # the second round was capped
