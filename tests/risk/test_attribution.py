"""Assumption attribution: what a proof used, what it did not need, and the slack."""

from __future__ import annotations

from fractions import Fraction

import pytest
from risk_specs import perp

from solvent.check.attribution import attribute
from solvent.check.induction import prove
from solvent.check.results import PASS, CheckResult
from solvent.errors import UsageError


def test_sentence_and_slack_of_the_move() -> None:
    spec = perp(maintenance_margin="0.08", max_move="0.06")
    proof = prove(spec)
    assert proof.verdict == PASS
    a = attribute(spec, proof, tol="0.001")
    assert a.bounds_used == ("|move| ≤ 0.06",)
    assert a.keepers_used == ("liquidate",)
    assert "healthy" in a.lemmas_used
    assert "action.trade.qty" in a.not_needed
    (slack,) = a.slacks
    assert slack.assumptions == ("envelope.move.lo", "envelope.move.hi")
    assert Fraction(8, 100) - Fraction(1, 1000) <= slack.limit <= Fraction(8, 100)
    assert slack.slack == slack.limit - Fraction(6, 100)
    assert a.sentence.startswith("proved because |move| ≤ 0.06 and liquidate runs every step")
    assert "not needed" in a.sentence
    assert f"|move| can grow to {slack.text.split('grow to ')[1]}" in a.sentence
    assert "before the first counterexample" in a.sentence


def _fake_proof(used: list[str], unused: list[str]) -> CheckResult:
    return CheckResult(
        "prove",
        "perp",
        PASS,
        "k=1",
        0.0,
        1,
        k=1,
        details={
            "assumptions_used": used,
            "assumptions_unused": unused,
            "assumptions_minimized": True,
        },
    )


def test_one_sided_use_and_unused_keeper() -> None:
    proof = _fake_proof(
        ["envelope.move.hi", "hyp.solvent"],
        ["envelope.move.lo", "keeper.liquidate.every_step", "hyp.healthy"],
    )
    a = attribute(perp(), proof, slack=False)
    assert a.bounds_used == ("move ≤ 0.08",)
    assert "move.lo" in a.not_needed
    assert any(n.startswith("liquidate every step") for n in a.not_needed)
    assert "lemma healthy" in a.not_needed
    assert a.sentence.startswith("proved because move ≤ 0.08;")


def test_only_a_pass_of_prove_can_be_explained() -> None:
    with pytest.raises(UsageError, match="explains a PASS of prove"):
        attribute(perp(), CheckResult("bmc", "perp", PASS, "depth 3/3", 0.0, 1))
