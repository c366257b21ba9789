"""What the slack search after a proof costs, and Houdini's trusted cores (issue 13).

The slack search is a frontier per used envelope bound (``check/attribution.py``). Its
direct symbolic method narrows the bound on the obligations that bound it so far and asks
every other one only at the end (``frontier_symbolic.step_frontier``): the expensive
obligation of the insurance waterfall (``conserves_value``, about 1.5 s of CPU a query
without a CTI) was asked at every narrowing step. The answer is checked against its
closed form. A probe at the spec's own value is the proof being explained, not run again.
Houdini's deletion starts from the lemmas the properties' proofs used without asking
first whether they are inductive (the proof with them asks it), and falls back to its
checked answer when that proof does not pass.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from solvent.check import frontier_symbolic, infer
from solvent.check.frontier_symbolic import FOUND, step_frontier
from solvent.check.knobs import envelope_knob
from solvent.check.probes import PROVED, ProbeOptions, Prober
from solvent.check.results import CTI, PASS, CheckResult
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
WATERFALL = ROOT / "examples" / "correct" / "insurance_waterfall.py"


def test_the_narrowing_asks_the_expensive_obligation_only_at_the_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load_spec(str(WATERFALL), None)
    knob = envelope_knob(spec, "move.lo")
    start = knob.natural_start(spec, knob.widening())
    assert start is not None
    asked: Counter[str] = Counter()
    original = frontier_symbolic._Obligation.cti_within

    def counted(self: Any, v: Fraction, deadline: Any, calls: list[int]) -> Any:
        cleared = getattr(self, "clear_upto", None)
        if cleared is None or v > cleared:
            asked[self.label] += 1  # a query that reaches the solver
        return original(self, v, deadline, calls)

    monkeypatch.setattr(frontier_symbolic._Obligation, "cti_within", counted)
    tol = abs(knob.current) / 100
    names = [d.name for d in spec.invariants]
    answer = step_frontier(spec, knob, knob.widening(), start, None, tol, names, timeout=300)
    assert answer.status == FOUND, answer.reason
    assert answer.safe is not None and answer.unsafe is not None
    # closed form: a move of -100% or more takes the price to 0 (price_positive fails),
    # any smaller one keeps it positive; the step is proved down to within tol of it
    assert answer.unsafe <= -1 < answer.safe <= -1 + tol
    # the doubling's first round and the check at the end: after the first round it is
    # far costlier than the others in Z3's resource units, so it is deferred to the end
    # (round 16: each of the doubling's three rounds without a CTI too, 5; before, every
    # narrowing step without a CTI as well, 12 queries)
    assert asked["conserves_value"] <= 2, asked


def test_a_probe_at_the_spec_value_is_the_proof_being_explained(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load_spec(str(WATERFALL), None)
    knob = envelope_knob(spec, "move.lo")
    proof = CheckResult("prove", spec.name, PASS, "k=1", 1.0, spec.accounts, k=1)
    prober = Prober(spec, knob, ProbeOptions(spec_proved=proof), ["conserves_value"])

    def never(*_args: Any) -> CheckResult:
        raise AssertionError("the spec value was proved again")

    monkeypatch.setattr(prober, "_prove", never)
    probe = prober.prove(knob.current, "spec value")
    assert probe.outcome == PROVED and probe.result is proof


def _fake(names: list[str]) -> list[Any]:
    return [type("Cand", (), {"decl": type("Decl", (), {"name": n})()})() for n in names]


def test_strengthen_falls_back_to_the_checked_lemmas(monkeypatch: pytest.MonkeyPatch) -> None:
    trusted, checked = _fake(["a"]), _fake(["a", "b"])
    calls: list[bool] = []

    def houdini(*_args: Any, trust_cores: bool = False, minimize: bool = True) -> Any:
        calls.append(trust_cores)
        return (trusted if trust_cores else checked), None  # (no step from its proofs)

    proofs: list[list[str]] = []

    def prove(spec: Any, **_kwargs: Any) -> CheckResult:
        names = [d.name for d in spec.lemmas]
        proofs.append(names)
        verdict = PASS if names == ["a", "b"] else CTI
        return CheckResult("prove", "s", verdict, "k=1", 0.1, 1, k=1)

    spec = load_spec(str(WATERFALL), None).with_accounts(1)
    spec.lemmas = []
    monkeypatch.setattr(infer, "houdini", houdini)
    monkeypatch.setattr(infer, "candidate_lemmas", lambda *_a: [])
    failed = CheckResult("prove", "s", CTI, "k=1", 0.1, 1, k=1)
    found = infer.strengthen(spec, failed, prove, timeout=60)
    assert found is not None
    result, kept = found
    # the trusted cores first; their proof gave a CTI, so Houdini's checked answer
    assert calls == [True, False] and proofs == [["a"], ["a", "b"]]
    assert result.verdict == PASS and kept is checked
