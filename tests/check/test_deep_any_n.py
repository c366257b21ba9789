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

from solvent.check import members
from solvent.check.bmc import bmc
from solvent.check.decompose_bmc import bmc_any_accounts
from solvent.check.results import FAIL, PASS
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
