"""Deep bmc of a safe spec without lemmas (issue 13: "depth 20 bmc on 3 accounts (safe
variant) PASS in < 30 s", on the spec a user writes, not only the one with a lemma).

From ``INDUCTION_FIRST_DEPTH`` on, bmc first asks the proof for every number of accounts
(one account, lemmas inferred from the spec; ``decompose_bmc``). Before, the corpus's
plain entry-style perp on 3 accounts was UNKNOWN after 60 s at depth 20 (plain
1-induction has a CTI and the unrollings stall at depth 2).

Each PASS is checked against an independent computation: the unrolled search (the
``incremental`` member alone) on the same spec at shallower depths, and the buggy
variant of the same spec still fails at its depth 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from solvent.check import members, portfolio
from solvent.check.bmc import bmc
from solvent.check.decompose_bmc import bmc_any_accounts
from solvent.check.results import FAIL, PASS, CheckResult
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "benchmarks" / "engine" / "perp_entry.py"
DEPTH = 20


def deep(spec: Spec, jobs: int) -> Any:
    return bmc_any_accounts(spec, bmc, DEPTH, jobs=jobs, timeout=120)


def entry(monkeypatch: pytest.MonkeyPatch, mm: str) -> Spec:
    """The corpus's entry-style perp on 3 accounts, without lemmas."""
    for key, value in {"ACCOUNTS": "3", "MM": mm}.items():
        monkeypatch.setenv(key, value)
    for key in ("LEMMAS", "FEES", "NEEDLE", "FIXED", "MARKETS"):
        monkeypatch.delenv(key, raising=False)
    spec = load_spec(str(ENTRY), None)
    assert not spec.lemmas
    return spec


def report(result: Any) -> tuple[Any, ...]:
    return (result.verdict, result.bound, result.message, result.details.get("method"))


def test_deep_bmc_of_the_plain_safe_spec_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = entry(monkeypatch, "0.08")
    result = deep(spec, 1)
    assert (result.verdict, result.depth) == (PASS, DEPTH), result.message
    assert result.details["method"] == "proof for every number of accounts"
    assert "liquidate_not_enabled" in result.details["inferred_lemmas"]
    assert "so none at any depth: proved for every path length" in result.message
    # the same report whoever won and on any --jobs
    again = deep(spec, 2)
    assert report(again) == report(result)


def test_the_deep_pass_agrees_with_the_unrolled_search(monkeypatch: pytest.MonkeyPatch) -> None:
    # independently, where the unrolled search answers in seconds: no path of up to 2
    # steps on 3 accounts, nor of up to 4 steps on one account, breaks it
    spec = entry(monkeypatch, "0.08")
    assert members.run_member("incremental", spec, spec.properties(), 2, 120.0).verdict == PASS
    one = spec.with_accounts(1)
    assert members.run_member("incremental", one, one.properties(), 4, 120.0).verdict == PASS


def test_deep_bmc_of_the_plain_buggy_spec_still_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = entry(monkeypatch, "0.05")
    result = deep(spec, 1)
    assert (result.verdict, result.depth) == (FAIL, 3)
    assert result.details["replay"].failures  # replayed on the concrete judge


def test_below_the_first_depth_it_is_not_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = entry(monkeypatch, "0.08")
    result = bmc_any_accounts(spec, bmc, 2, jobs=1, timeout=120)
    assert (
        result.verdict == PASS
        and result.details.get("method") != "proof for every number of accounts"
    )


def test_a_spec_whose_accounts_interact_is_not_asked() -> None:
    from check_helpers import two_account_spec

    from solvent.check.decompose_bmc import _deep_pass

    spec = two_account_spec(transfer=True, global_invariant=False)
    assert _deep_pass(spec, DEPTH, None, 60.0) is None  # action give takes 2 accounts


# Below INDUCTION_FIRST_DEPTH the proof is asked when the portfolio's capped first attempt
# does not answer, before the race (round 15 of benchmarks/results/engine.md: the safe
# corpus cells at depth 5 were UNKNOWN after 60 s on 1, 10, 100 and 1,000 accounts, and at
# depth 3 on 3 accounts, while depth 10 passed in 2 s of CPU). The first attempt is capped
# by Z3's resource counter, so on a safe spec it gives up at the same depth on any machine;
# the PASS is checked against the unrolled search by the test above.
MID = 5


def test_a_mid_depth_question_is_asked_of_the_proof_after_the_first_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = entry(monkeypatch, "0.08")
    result = bmc_any_accounts(spec, bmc, MID, jobs=1, timeout=120)
    assert (result.verdict, result.depth) == (PASS, MID), result.message
    assert result.details["method"] == "proof for every number of accounts"
    assert result.bound == f"depth {MID}/{MID}"
    assert "no violation in any path of up to 5 steps (3 accounts), so none" in result.message
    assert report(bmc_any_accounts(spec, bmc, MID, jobs=2, timeout=120)) == report(result)


def test_a_mid_depth_bug_is_found_before_the_proof_with_its_depth_3_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = entry(monkeypatch, "0.05")
    asked: list[float | None] = []
    found = portfolio.portfolio_bmc(spec, MID, jobs=1, timeout=120, before_race=asked.append)
    assert (found.verdict, found.depth, asked) == (FAIL, 3, [])  # the first attempt found it
    # the same search at depth 3 (bmc_any_accounts would go through one account since
    # round 13 and lift its path to account 0: a path of the same depth, another account)
    shallow = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=120)
    same = (shallow.counterexample.init, shallow.counterexample.steps)
    assert (found.counterexample.init, found.counterexample.steps) == same  # shortest path


def test_the_portfolio_returns_what_the_hook_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = entry(monkeypatch, "0.08")
    sentinel = CheckResult("bmc", spec.name, PASS, f"depth {MID}/{MID}", 0.0, 3, message="hook")
    asked: list[float | None] = []

    def hook(left: float | None) -> CheckResult:
        asked.append(left)
        return sentinel

    result = portfolio.portfolio_bmc(spec, MID, jobs=1, timeout=120, before_race=hook)
    assert result is sentinel and len(asked) == 1 and asked[0] is not None and asked[0] <= 120
