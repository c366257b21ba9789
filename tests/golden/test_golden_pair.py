"""The first golden pair (issue: foundation): the isolated perpetual, 3 accounts.

Margin 5% under an 8% per-step envelope: bmc finds the gap-risk counterexample (exit 1);
margin 8%: prove proves it for every path length (exit 0). The CLI's text output is
compared with the expected files next to the examples (times normalized).
"""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from solvent.testing import golden

ROOT = Path(__file__).resolve().parents[2]
BUG = ROOT / "examples" / "bugs_detected" / "perp_gap_risk.py"
SAFE = ROOT / "examples" / "correct" / "perp_isolated.py"


def solvent(*args: str) -> subprocess.CompletedProcess[str]:
    return golden.run(*args, cwd=ROOT)


def check_golden(result: subprocess.CompletedProcess[str], expected: Path) -> None:
    golden.check(result, expected)


def test_bmc_finds_gap_risk_counterexample() -> None:
    result = solvent("bmc", str(BUG.relative_to(ROOT)), "--depth", "5")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[FAIL] solvent  bmc depth 3/5" in result.stdout
    assert "counterexample confirmed by concrete replay" in result.stdout
    check_golden(result, BUG.with_suffix(".expected.txt"))


def test_prove_proves_safe_perp() -> None:
    # --no-slack: the slack search gives up on a time budget, which load can change
    # (the slack is tested on its own in test_prove_explains_and_measures_slack)
    result = solvent("prove", str(SAFE.relative_to(ROOT)), "--no-slack")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[PASS] solvent  prove k=1" in result.stdout
    # the fund and bad debt are shared accumulators: proved for every number of accounts
    assert "proved for every path length and every number of accounts" in result.stdout
    check_golden(result, SAFE.with_suffix(".expected.txt"))


def test_counterexample_json_replays(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = solvent("bmc", str(BUG), "--depth", "5", "--format", "json", "-o", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    data = json.loads(out.read_text())
    assert data["verdict"] == "FAIL" and data["depth"] == 3
    steps = data["counterexample"]["steps"]
    assert len(steps) == 3
    # the envelope is respected by every draw
    assert all(abs(float(s["market"]["move"])) <= 0.08 for s in steps)
    replayed = solvent("replay", str(BUG), str(out))
    assert replayed.returncode == 1, replayed.stdout + replayed.stderr
    assert "solvent fails at step 3" in replayed.stdout
    # the same path on the safe spec (margin 8%) is not a violation
    trace = tmp_path / "trace.json"
    trace.write_text(
        json.dumps(
            {
                **data["counterexample"],
                "#meta": {**data["counterexample"]["#meta"], "spec": "perp-isolated"},
            }
        )
    )
    safe = solvent("replay", str(SAFE), str(trace))
    assert safe.returncode == 0, safe.stdout + safe.stderr


@pytest.mark.parametrize("verb", ["lint", "inspect"])
def test_other_verbs_accept_the_examples(verb: str) -> None:
    for path in (BUG, SAFE):
        result = solvent(verb, str(path))
        assert result.returncode == 0, result.stdout + result.stderr


def test_prove_explains_and_measures_slack(tmp_path: Path) -> None:
    """Issue 4: a PASS says what it used, what it did not, and how far the bound can grow.

    The frontier example has no insurance fund, so the closed form applies: the largest
    safe move is the maintenance margin, 0.08, and any move beyond it breaks it in 3 steps;
    the slack search (tolerance 1% of 0.08) finds one within 0.0008.
    """
    spec = ROOT / "examples" / "frontier" / "perp_frontier.py"
    out = tmp_path / "proof.json"
    result = solvent("prove", str(spec), "--timeout", "300", "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "proved because |move| ≤ 0.08 and liquidate runs every step (lemmas: healthy, "
        "insurance_nonnegative, price_positive); action.trade.qty, action.withdraw.amount "
        "not needed; |move| has no slack: a counterexample exists already at 0.080"
    ) in result.stdout
    explained = json.loads(out.read_text())["details"]["attribution"]
    assert explained["keepers_used"] == ["liquidate"]
    assert explained["bounds_used"] == ["|move| ≤ 0.08"]
    (slack,) = explained["slack"]
    assert slack["bound"] == "move" and slack["limit"] == "0.08" and slack["slack"] == "0"
    assert slack["status"] == "found"
    assert Fraction(8, 100) < Fraction(slack["first_counterexample"]) <= Fraction(808, 10000)
