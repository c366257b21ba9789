"""Deterministic shares: prove's one-account search and bmc's falsifier count work, not
seconds.

1. Round 18 gave prove's search on one account (``decompose_one.search_one``) 20 s of
   wall clock before bmc ran on the spec's own accounts, so on a busy machine a path the
   one-account search would have found after 20 s came from the other search: the report
   depended on the load. The one-account search is now the bmc portfolio's capped first
   attempt alone; its ``before_race`` ends the portfolio before the race (which runs on
   the wall clock).
2. The cross-margin spec's bug on one account (tests/check/specs/cross_margin.py,
   ``BUG=1``; ``bmc --depth 5`` was UNKNOWN under load) is one the capped attempt gives up
   on at depth 3 and the falsifier finds as its 392nd path at depth 5. Its turns in the
   race got too little CPU under load; now, when the attempt gives up, the falsifier's
   first ``share_paths`` paths run before the race, counted, not timed. The independent
   check: the path is replayed again on the concrete backend.
3. That path was printed at the end of the budget (the race ran for as long again, then
   the canonical unrolling at depth 4 used 59 s of CPU under a cap of 2 million units a
   check, and the report said a shorter path was not ruled out). Now it is shrunk by
   replay, the depths below it are asked under the first attempt's resource cap
   (unsatisfiable here: depth 4 is a shortest one) and reported at once
   (``check/found_path.py``); the reported path is replayed again.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from solvent.check import found_path
from solvent.check.decompose_one import _gave_up, search_one
from solvent.check.first_attempt import first_attempt, share_paths
from solvent.check.members import Answer
from solvent.check.portfolio import portfolio_bmc
from solvent.check.replay import replay
from solvent.check.results import FAIL, UNKNOWN, CheckResult
from solvent.check.solving import Deadline, result_maker, searched_properties
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
    """With no falsifier among the members, the capped attempt gives up at depth 3 on one
    account and the search ends there (UNKNOWN), without member processes."""
    one = _cross_margin(monkeypatch, 1)
    members = ("incremental", "deepest", "fresh")
    got = portfolio_bmc(one, 5, jobs=2, timeout=120, members=members, before_race=_gave_up(one, 5))
    assert got.verdict == UNKNOWN and "capped first attempt" in got.message
    assert got.details.get("reason") == "one-account share"


@pytest.fixture(scope="module")
def share_found() -> tuple[Any, Answer]:
    """The falsifier's share finds the cross-margin path as its 392nd path, before the
    race (computed once for the tests below)."""
    with pytest.MonkeyPatch.context() as mp:
        one = _cross_margin(mp, 1)
    assert share_paths(one, 5) >= 392  # the share holds the bug's path
    decls = searched_properties(one, None)
    got = first_attempt(
        one, decls, 5, Deadline(120), False, full=True, members=("incremental", "falsify")
    )
    assert got is not None and got.verdict == FAIL and got.member == "falsify"
    return one, got


def test_the_falsifiers_share_runs_before_the_race(share_found: tuple[Any, Answer]) -> None:
    one, got = share_found
    assert got.extra["paths"] == 392  # counted: the same path on every machine
    assert got.extra["cleared"] == 2  # the capped attempt gave up at depth 3
    assert got.trace is not None and got.depth == 4
    again = replay(one, got.trace)
    assert any(f.step == 4 and f.name == "fund_ok" for f in again.failures)


def _report(spec: Any, got: Answer) -> CheckResult:
    decls = searched_properties(spec, None)
    deadline = Deadline(600)
    result = result_maker("bmc", spec, deadline, {})
    return found_path.report_found(spec, decls, got, 5, deadline, result, True)


def test_the_found_path_is_shrunk_and_proved_shortest(share_found: tuple[Any, Answer]) -> None:
    one, got = share_found
    assert got.trace is not None
    raw = [Fraction(s.action.args["dq"]) for s in got.trace.steps if s.action is not None]
    out = _report(one, got)
    assert out.verdict == FAIL and out.depth == 4 and "not ruled out" not in out.message
    assert out.counterexample is not None
    again = replay(one, out.counterexample)  # the independent check: the concrete backend
    assert again.first_failure is not None and again.first_failure.step == 4
    assert again.first_failure.name == "fund_ok"
    # simpler than the falsifier's own path (dq -4.453125, every draw at the envelope)
    steps = out.counterexample.steps
    assert [Fraction(s.action.args["dq"]) for s in steps if s.action is not None] == [-4] != raw
    assert any(Fraction(v) == 0 for s in steps for v in s.market.values())


def test_an_undecided_shortening_is_named_and_the_path_kept(
    share_found: tuple[Any, Answer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shortening the cap cannot decide (stubbed: every query gives up) keeps the shrunk
    path and names the undecided depth; each query gets the first attempt's resource cap."""
    one, got = share_found
    caps: list[object] = []

    def gives_up(*args: Any) -> tuple[str, int]:
        caps.append(args[4])
        return "unknown", args[2]

    monkeypatch.setattr("solvent.check.within.within", gives_up)
    monkeypatch.setattr(found_path, "in_child", lambda fn, deadline, seconds: fn())
    out = _report(one, got)
    assert caps == [found_path.FIRST_RLIMIT]  # one query, capped by units, not seconds
    assert out.verdict == FAIL and out.depth == 4
    assert "a shorter one was not ruled out: depth 3 undecided" in out.message
    assert out.counterexample is not None
    again = replay(one, out.counterexample)
    assert again.first_failure is not None and again.first_failure.step == 4
