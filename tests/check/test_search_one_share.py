"""Deterministic shares: prove's one-account search counts work, not seconds.

Round 18 gave prove's search on one account (``decompose_one.search_one``) 20 s of wall
clock before bmc ran on the spec's own accounts, so on a busy machine a path the
one-account search would have found after 20 s came from the other search: the report
depended on the load. The one-account search is now the bmc portfolio's capped first
attempt alone; its ``before_race`` ends the portfolio before the race (which runs on the
wall clock).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from solvent.check.decompose_one import _gave_up, search_one
from solvent.check.portfolio import portfolio_bmc
from solvent.check.results import UNKNOWN, CheckResult
from solvent.spec.load import load_spec

SPECS = Path(__file__).resolve().parent / "specs"


def _cross_margin(monkeypatch: pytest.MonkeyPatch, accounts: int) -> Any:
    monkeypatch.setenv("BUG", "1")
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    return load_spec(str(SPECS / "cross_margin.py"), None)


def test_the_one_account_search_has_no_share_of_the_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = _cross_margin(monkeypatch, 2)
    asked: list[dict[str, Any]] = []

    def spying(s: Any, depth: int, **kwargs: Any) -> CheckResult:
        if s.accounts == 1:
            asked.append(kwargs)
        return CheckResult("bmc", s.name, UNKNOWN, f"depth 0/{depth}", 0.0, s.accounts)

    for jobs in (None, 1, 2):
        assert search_one(spec, spying, 5, ["fund_ok"], 600, jobs) is None
    assert [a["timeout"] for a in asked] == [600, 600, 600]  # not 20 s of it
    assert [a["jobs"] for a in asked] == [1, 1, 2]  # the portfolio's attempt, also for None
    stop = asked[0]["before_race"]
    assert stop is not None and stop(599.0).verdict == UNKNOWN


def test_before_race_ends_the_portfolio_after_the_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The capped attempt gives up at depth 3 on one
    account and the search ends there (UNKNOWN), without member processes."""
    one = _cross_margin(monkeypatch, 1)
    members = ("incremental", "deepest", "fresh")
    got = portfolio_bmc(one, 5, jobs=2, timeout=120, members=members, before_race=_gave_up(one, 5))
    assert got.verdict == UNKNOWN and "capped first attempt" in got.message
    assert got.details.get("reason") == "one-account share"
