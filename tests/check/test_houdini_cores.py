"""Houdini's fixed-point queries keep each case's unsat core (``cases.holds_by_case``).

A case whose earlier proof used only hypotheses still assumed is not asked again; every
other case is. Checked on a small step with two named hypotheses (``x >= 0``, ``y >= 0``)
and a choice ``c`` (two cases): ``x + 1 >= 0`` needs the first hypothesis only; ``y' >= 0``
needs the second where ``c`` holds (``y' = y``) and both where it does not
(``y' = y + x``). Every answer is compared with the whole query asked of a fresh solver.
"""

from __future__ import annotations

from typing import Any

import pytest
import z3

from solvent.check import cases as cases_module
from solvent.check.cases import holds_by_case
from solvent.check.solving import Deadline, fresh_context

NAMES = {"houdini:hx": "hx", "houdini:hy": "hy"}


def _step() -> tuple[list[Any], list[Any], dict[str, Any], dict[str, list[Any]]]:
    x, y, y1 = z3.Ints("x y y1")
    c = z3.Bool("c")
    lits = {"hx": z3.Bool("houdini:hx"), "hy": z3.Bool("houdini:hy")}
    constraints = [
        z3.Implies(lits["hx"], x >= 0),
        z3.Implies(lits["hy"], y >= 0),
        y1 == z3.If(c, y, y + x),
    ]
    obligations = {"p": [x + 1 >= 0], "q": [y1 >= 0]}
    return constraints, [c, z3.Not(c)], lits, obligations


def _whole(constraints: list[Any], assumed: list[Any], parts: list[Any]) -> bool:
    solver = z3.Solver()
    solver.add(*constraints, *assumed, z3.Or([z3.Not(p) for p in parts]))
    return bool(solver.check() == z3.unsat)


def _counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    asked = {"n": 0}
    plain = cases_module.split_check

    def counting(*args: Any, **kwargs: Any) -> Any:
        asked["n"] += 1
        return plain(*args, **kwargs)

    monkeypatch.setattr(cases_module, "split_check", counting)
    return asked


@pytest.mark.parametrize("assumed", [("hx", "hy"), ("hx",), ("hy",), ()])
def test_the_answer_is_the_whole_querys(assumed: tuple[str, ...]) -> None:
    with fresh_context():
        constraints, cases, lits, obligations = _step()
        for name, parts in obligations.items():
            known: dict[str, dict[int, frozenset[str]]] = {}
            status = holds_by_case(
                constraints,
                cases,
                {name: parts},
                Deadline(30),
                assumptions=[lits[n] for n in assumed],
                by_lit=NAMES,
                known=known,
            )
            expected = _whole(constraints, [lits[n] for n in assumed], parts)
            assert (status == z3.unsat) == expected, (name, assumed)
            if status == z3.unsat:  # a core per case, of assumed names only
                assert sorted(known[name]) == [0, 1]
                assert all(core <= set(assumed) for core in known[name].values())


def test_a_case_is_asked_again_only_when_its_core_names_a_dropped_hypothesis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = _counted(monkeypatch)
    with fresh_context():
        constraints, cases, lits, obligations = _step()
        known: dict[str, dict[int, frozenset[str]]] = {}
        both = [lits["hx"], lits["hy"]]
        first = holds_by_case(
            constraints, cases, obligations, Deadline(30), assumptions=both, by_lit=NAMES,
            known=known,
        )  # fmt: skip
        assert first == z3.unsat and asked["n"] == 2  # both obligations together, per case
        # the same hypotheses again: every case is known
        again = holds_by_case(
            constraints, cases, obligations, Deadline(30), assumptions=both, by_lit=NAMES,
            known=known,
        )  # fmt: skip
        assert again == z3.unsat and asked["n"] == 2
        # without hy: only the cases whose core named it are asked again, and q fails
        known["p"] = {0: frozenset({"hx"}), 1: frozenset({"hx"})}
        asked["n"] = 0
        only_x = holds_by_case(
            constraints, cases, {"p": obligations["p"]}, Deadline(30), assumptions=[lits["hx"]],
            by_lit=NAMES, known=known,
        )  # fmt: skip
        assert only_x == z3.unsat and asked["n"] == 0
        dropped = holds_by_case(
            constraints, cases, obligations, Deadline(30), assumptions=[lits["hx"]],
            by_lit=NAMES, known=known,
        )  # fmt: skip
        assert dropped == z3.sat and asked["n"] >= 1
        assert not _whole(constraints, [lits["hx"]], obligations["q"])
