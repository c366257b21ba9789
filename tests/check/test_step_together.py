"""The one-account step asks all its obligations at once in each case (``_together``).

``inductive_step`` with ``nonincremental`` (the one-account proof of the decomposition)
first asks, in each case of the step's choices, whether some obligation fails; only when
that is not unsat in every case does it ask each obligation alone (the CTI names one).
Checked on the corpus's entry-style perp on one account with its lemmas (``LEMMAS=1``):
the step is proved in one query per case; the assumptions it reports are those the
obligation-by-obligation route reports; and, independently, the whole step (no cases, no
preprocessing, no slice) asked of a fresh solver with only those assumptions asserted is
unsat, and with any one of them left out it is sat (each is needed). Without the lemmas
the step fails and both routes name the same obligation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import z3

from solvent.check import cases as cases_module
from solvent.check import inductive_step as step_module
from solvent.check.decompose import ONE_STEP_RLIMIT
from solvent.check.encode import Unrolling, conjuncts
from solvent.check.inductive_step import inductive_step
from solvent.check.solving import Deadline, fresh_context
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "benchmarks" / "engine" / "perp_entry.py"


def _spec(monkeypatch: pytest.MonkeyPatch, lemmas: bool) -> Spec:
    for key, value in {"ACCOUNTS": "1", "MM": "0.08"}.items():
        monkeypatch.setenv(key, value)
    for key in ("FEES", "NEEDLE", "FIXED", "MARKETS", "LEMMAS"):
        monkeypatch.delenv(key, raising=False)
    if lemmas:
        monkeypatch.setenv("LEMMAS", "1")
    return load_spec(str(ENTRY), None)


def _step(spec: Spec) -> dict[str, Any]:
    decls = [*spec.invariants, *spec.lemmas]
    return inductive_step(spec, decls, 1, Deadline(60), rlimit=ONE_STEP_RLIMIT, nonincremental=True)


def _counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    asked = {"n": 0}
    plain = cases_module.split_check

    def counting(*args: Any, **kwargs: Any) -> Any:
        asked["n"] += len(args[1])  # the cases asked (at most: it stops at a sat one)
        return plain(*args, **kwargs)

    monkeypatch.setattr(step_module, "split_check", counting)
    return asked


def _whole_step_unsat(spec: Spec, names: set[str]) -> bool:
    """The step of every property and lemma, asked whole of a fresh solver with only the
    assumptions ``names`` asserted (the others left free)."""
    with fresh_context():
        decls = [*spec.invariants, *spec.lemmas]
        u = Unrolling(spec, free_init=True)
        for decl, _acc, p in u.properties(0, decls):
            for c in conjuncts(p):
                u.assume(f"hyp.{decl.name}", c)
        u.add_step()
        goals = [c for _d, _a, p in u.properties(1, decls) for c in conjuncts(p)]
        solver = z3.Solver()
        solver.add(*u.everything(), *(u.literals[n] for n in sorted(names)))
        solver.add(z3.Or([z3.Not(g) for g in goals]))
        return bool(solver.check() == z3.unsat)


def test_a_step_that_holds_is_proved_at_once_with_the_same_assumptions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = _spec(monkeypatch, lemmas=True)
    asked = _counted(monkeypatch)
    together = _step(spec)
    assert together["status"] == "proved"
    cases_asked = asked["n"]
    assert together["obligations"] >= 4  # fund_ok, the prices, collateral, health
    # one query per case: no action, a trade whose guard held or failed; the keeper fired or not
    assert cases_asked <= 6
    monkeypatch.setattr(step_module, "_together", lambda *a, **k: None)
    one_by_one = _step(spec)
    assert one_by_one["status"] == "proved"
    assert asked["n"] - cases_asked > cases_asked  # that route asks more queries
    assert together["obligations"] == one_by_one["obligations"]
    assert together["minimized"] and one_by_one["minimized"]
    assert together["core"] == one_by_one["core"]
    used = set(together["core"])
    assert _whole_step_unsat(spec, used)
    for name in sorted(used):
        assert not _whole_step_unsat(spec, used - {name}), name


def test_a_step_that_fails_names_the_obligation_either_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = _spec(monkeypatch, lemmas=False)
    together = _step(spec)
    monkeypatch.setattr(step_module, "_together", lambda *a, **k: None)
    one_by_one = _step(spec)
    assert together["status"] == one_by_one["status"] == "cti"
    assert together["obligation"] == one_by_one["obligation"]
    assert together["state"] == one_by_one["state"]
    assert not _whole_step_unsat(spec, set(spec_literals(spec)))


def spec_literals(spec: Spec) -> list[str]:
    with fresh_context():
        u = Unrolling(spec, free_init=True)
        for decl, _acc, p in u.properties(0, [*spec.invariants, *spec.lemmas]):
            for c in conjuncts(p):
                u.assume(f"hyp.{decl.name}", c)
        u.add_step()
        return list(u.literals)
