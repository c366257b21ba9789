"""An inconclusive bmc names the depths it left open and what to try next (issue 13, item 4).

tests/check/specs/cross_margin.py BUG=1 on one account: bmc --depth 5 is UNKNOWN (round
17 of benchmarks/results/engine.md: the unrolling clears depth 3 and gives up at 4, the
falsifier's path is drawn after about 400 paths); it said only "solver timeout after 60s
(portfolio members tried: ...)". A decided verdict keeps its message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from solvent.check.bmc import bmc
from solvent.check.decompose_bmc import bmc_any_accounts
from solvent.check.decompose_why import bmc_next
from solvent.check.results import UNKNOWN, CheckResult
from solvent.spec.load import load_spec

SPECS = Path(__file__).resolve().parent / "specs"


def test_an_unknown_bmc_names_the_open_depths_and_the_next_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BUG", "1")
    monkeypatch.setenv("ACCOUNTS", "1")
    spec = load_spec(str(SPECS / "cross_margin.py"), None)
    result = bmc_any_accounts(spec, bmc, 5, timeout=1.5)
    assert result.verdict == "UNKNOWN", result.message
    cleared = result.depth or 0
    assert cleared < 5
    if cleared:
        assert "Undecided: whether fund_ok can fail at depth" in result.message
        assert f"no violation within {cleared} step(s)" in result.message
    else:  # stopped before a depth was decided: nothing is claimed of the initial state
        assert "Undecided: whether fund_ok can fail within 5 step(s)" in result.message
        assert "no violation within" not in result.message
    assert "Next: a larger --timeout" in result.message
    assert any(s.startswith("solvent prove") for s in result.details["why"]["next"])


def test_the_depth_decided_is_offered_and_a_decided_verdict_is_kept() -> None:
    def unknown(depth: int) -> CheckResult:
        return CheckResult("bmc", "s", UNKNOWN, f"depth {depth}/5", 1.0, 1, depth=depth)

    two = bmc_next(unknown(2), 5, ["fund_ok"])
    assert "at depths 3-5" in two.message and "--depth 2 (decided" in two.message
    none = bmc_next(unknown(0), 5, ["fund_ok"])
    assert "can fail within 5 step(s). Next: a larger --timeout;" in none.message, none.message
    assert "no violation" not in none.message and "(decided" not in none.message
    assert none.details["why"]["open"] == "fund_ok at depths 0-5"
    four = bmc_next(unknown(4), 5, ["fund_ok"])
    assert "at depth 5 " in four.message
    said = "counterexample confirmed by concrete replay"
    failed = CheckResult("bmc", "s", "FAIL", "depth 3/5", 1.0, 1, message=said, depth=3)
    assert bmc_next(failed, 5, ["fund_ok"]).message == said
    told = unknown(1)
    told.message = "x. Next: a lemma"
    assert bmc_next(told, 5, ["fund_ok"]).message == "x. Next: a lemma"
