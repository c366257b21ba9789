"""Houdini's fixed-point rounds by the cases' models, the hypotheses named
(``cases.named_survivors``).

A round asks each case whether some candidate still alive (and not yet proved there by
an earlier core) fails, drops every candidate the model falsifies, and records an unsat
answer's core for each candidate it asked. It must keep exactly the candidates that hold
in every case, and every core it records must be a proof. Checked on a small integer step
against the whole query asked of a fresh solver (no cases, no preprocessing), and on the
corpus's fixed-point step (one account) against asking each candidate alone in each case
(``cases.holds_by_case``, the route it replaced); the proof of the corpus's fixed-point
spec with it is checked against the unrolled search in ``test_fixed_point_proof.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import z3
from check_helpers import one_step

from solvent.check.cases import holds_by_case, named_survivors
from solvent.check.solving import Deadline, fresh_context
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
NAMES = {"houdini:hx": "hx", "houdini:hy": "hy"}


def _whole(constraints: list[Any], assumed: list[Any], parts: list[Any]) -> bool:
    """Whether ``parts`` hold: the whole query, a fresh solver, the hypotheses asserted."""
    solver = z3.Solver()
    solver.add(*constraints, *assumed, z3.Or([z3.Not(p) for p in parts]))
    answer = solver.check()
    assert answer != z3.unknown
    return bool(answer == z3.unsat)


def test_the_survivors_are_the_whole_querys_and_each_core_is_a_proof() -> None:
    with fresh_context():
        x, y, y1 = z3.Ints("x y y1")
        c = z3.Bool("c")
        lits = [z3.Bool("houdini:hx"), z3.Bool("houdini:hy")]
        constraints = [
            z3.Implies(lits[0], x >= 0),
            z3.Implies(lits[1], y >= 0),
            y1 == z3.If(c, y, y + x),
        ]
        cases = [c, z3.Not(c)]
        posts = {
            "x + 1 >= 0": [x + 1 >= 0],  # holds (needs hx)
            "y1 >= 0": [y1 >= 0],  # holds (needs hy, and hx where not c)
            "x >= 1": [x >= 1],  # fails (x = 0)
            "y1 >= x": [y1 >= x],  # fails where c (y = 0, x = 1)
            "both": [x + 1 >= 0, y1 >= -1],  # holds
        }
        known: dict[str, dict[int, frozenset[str]]] = {}
        got = named_survivors(
            constraints, cases, posts, Deadline(30), assumptions=lits, by_lit=NAMES, known=known
        )
        expected = {n for n, parts in posts.items() if _whole(constraints, lits, parts)}
        assert got == expected == {"x + 1 >= 0", "y1 >= 0", "both"}
        for name in expected:  # a core in every case, and it is a proof there
            assert sorted(known[name]) == [0, 1]
            for i, core in known[name].items():
                hyps = [z3.Bool(f"houdini:{n}") for n in sorted(core)]
                assert _whole([*constraints, cases[i]], hyps, posts[name]), (name, i, core)
        assert known["y1 >= 0"][1] == {"hx", "hy"}
        # a case proved by a core of hypotheses still assumed is not asked again
        kept = {n: parts for n, parts in posts.items() if n in expected}  # in their order
        asked = {"n": 0}
        plain = z3.Solver.check

        def counted(self: z3.Solver, *args: Any) -> Any:
            asked["n"] += 1
            return plain(self, *args)

        z3.Solver.check = counted  # type: ignore[method-assign]
        try:
            again = named_survivors(
                constraints, cases, kept, Deadline(30),
                assumptions=lits, by_lit=NAMES, known=known,
            )  # fmt: skip
            assert again == expected and asked["n"] == 0
            # without hy: y1 >= 0 and both fail; only cases whose cores named hy are asked
            only_x = named_survivors(
                constraints, cases, kept, Deadline(30),
                assumptions=lits[:1], by_lit=NAMES, known=known,
            )  # fmt: skip
        finally:
            z3.Solver.check = plain  # type: ignore[method-assign]
        assert only_x == {n for n in expected if _whole(constraints, lits[:1], posts[n])}
        # two cases, two candidates dropped (each sat answer drops at least one)
        assert only_x == {"x + 1 >= 0"} and 1 <= asked["n"] <= 4


def test_the_corpus_step_keeps_what_asking_each_candidate_keeps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in {"FIXED": "1", "ACCOUNTS": "1", "MM": "0.08"}.items():
        monkeypatch.setenv(key, value)
    for key in ("LEMMAS", "FEES", "NEEDLE", "MARKETS", "FLOOR"):
        monkeypatch.delenv(key, raising=False)
    spec = load_spec(str(ROOT / "benchmarks" / "engine" / "perp_entry.py"), None)
    with fresh_context():
        u, pre, post, cases = one_step(spec)
        facts = {  # candidate lemmas on the state, each a hypothesis before the step
            "price >= 0": (pre["price"].raw >= 0, post["price"].raw >= 0),  # holds
            "coll >= 0": (pre["coll"][0].raw >= 0, post["coll"][0].raw >= 0),  # holds
            "size == 0": (pre["size"][0].raw == 0, post["size"][0].raw == 0),  # trades
            "price <= 10^10": (pre["price"].raw <= 10**10, post["price"].raw <= 10**10),
        }
        lits = {name: z3.Bool(f"houdini:{name}") for name in facts}
        by_lit = {str(lit): name for name, lit in lits.items()}
        constraints = [
            *u.everything(),
            *u.assumption_literals(),
            *(z3.Implies(lits[n], before) for n, (before, _after) in facts.items()),
        ]
        posts = {name: [after] for name, (_before, after) in facts.items()}
        known: dict[str, dict[int, frozenset[str]]] = {}
        got = named_survivors(
            constraints, cases, posts, Deadline(60), assumptions=list(lits.values()),
            by_lit=by_lit, known=known, rlimit=10_000_000,
        )  # fmt: skip
        each = set()
        for name, parts in posts.items():  # the route it replaced: each alone, per case
            status = holds_by_case(
                constraints, cases, {name: parts}, Deadline(60), assumptions=list(lits.values()),
                by_lit=by_lit, known={}, rlimit=10_000_000,
            )  # fmt: skip
            assert status != z3.unknown, name
            if status == z3.unsat:
                each.add(name)
        assert got == each
        assert {"price >= 0", "coll >= 0"} <= each and "size == 0" not in each
