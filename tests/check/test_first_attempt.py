"""The bmc portfolio's first attempt in this process (issue 13, round 6).

A small question is answered by one capped search in the parent, before any member
process starts (``check/first_attempt.py``); the report is the one the race gives, and
when the attempt hits its resource cap the race runs as before.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solvent.check import first_attempt, members, portfolio
from solvent.check.bmc import bmc
from solvent.check.replay import replay
from solvent.check.results import FAIL, PASS
from solvent.check.solving import Deadline
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "benchmarks" / "engine" / "perp_entry.py"
COUNTER = ROOT / "tests" / "cli" / "specs" / "counter.py"


def entry(monkeypatch: pytest.MonkeyPatch, accounts: int, mm: str = "0.05") -> Spec:
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    monkeypatch.setenv("MM", mm)
    return load_spec(str(ENTRY), None)


def counting_races(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the races (the only place member processes start)."""
    calls: list[int] = []
    plain = portfolio.race

    def race(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[3])  # jobs
        return plain(*args, **kwargs)

    monkeypatch.setattr(portfolio, "race", race)
    return calls


def _doc(result: Any) -> str:
    return json.dumps(result.counterexample.to_json(), sort_keys=True)


@pytest.mark.parametrize("accounts", [1, 3])
def test_a_small_bug_is_found_without_member_processes(
    monkeypatch: pytest.MonkeyPatch, accounts: int
) -> None:
    spec = entry(monkeypatch, accounts)
    races = counting_races(monkeypatch)
    first = portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert (first.verdict, first.depth) == (FAIL, 3)
    assert races == []  # no member process was started
    info = first.details["portfolio"]
    assert info["winner"] == "incremental"
    assert info["members"][0]["in_process"] is True
    # the same report as the race's (the attempt switched off), with one and two processes
    monkeypatch.setattr(portfolio, "first_attempt", lambda *a, **k: None)
    raced = [portfolio.portfolio_bmc(spec, 3, jobs=jobs, timeout=120) for jobs in (2, 1)]
    assert races == [2, 1]
    assert {_doc(r) for r in raced} == {_doc(first)}
    assert {(r.verdict, r.bound, r.message) for r in raced} == {
        (first.verdict, first.bound, first.message)
    }
    replayed = replay(spec, first.counterexample)  # type: ignore[arg-type]
    assert replayed.first_failure is not None and replayed.first_failure.step == 3


def test_the_race_runs_when_the_attempt_hits_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = entry(monkeypatch, 1)
    plain = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=120)
    races = counting_races(monkeypatch)
    monkeypatch.setattr(first_attempt, "FIRST_RLIMIT", 1)  # every capped check gives up
    capped = portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert races == [2]
    tried = capped.details["portfolio"]["members"]
    assert tried[0]["in_process"] is True and tried[0]["verdict"] == "UNKNOWN"
    assert "first attempt, capped" in tried[0]["note"]
    assert (capped.verdict, capped.bound) == (FAIL, "depth 3/3")
    assert _doc(capped) == _doc(plain)


def test_a_safe_spec_passes_in_the_attempt_worded_as_after_a_race(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load_spec(str(COUNTER), None).with_params(cap="100")  # safe within 3 steps
    races = counting_races(monkeypatch)
    result = portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert races == []
    assert (result.verdict, result.depth) == (PASS, 3)
    assert result.message == "no violation in any path of up to 3 steps (2 accounts)"
    # whatever answered first, a PASS is worded by the 1-induction member, as after a race
    monkeypatch.setattr(portfolio, "first_attempt", lambda *a, **k: None)
    raced = portfolio.portfolio_bmc(spec, 3, jobs=2, timeout=120)
    assert races == [2]
    assert (raced.verdict, raced.message) == (result.verdict, result.message)


QUOTE = ROOT / "benchmarks" / "engine" / "perp_quote.py"


def test_the_shortening_rules_out_shorter_paths_at_ten_accounts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the one-shot "within 2 steps" query was undecided after 10 million resource units
    # at 10 accounts ("a shorter one was not ruled out"); the incremental unrolling decides
    # it within the (smaller) cap of each of its checks
    monkeypatch.setenv("ACCOUNTS", "10")
    monkeypatch.setenv("MM", "0.05")
    spec = load_spec(str(QUOTE), None)
    decls = spec.properties() + [d for d in spec.lemmas if d not in spec.properties()]
    got = members.shorten(spec, decls, 3, Deadline(120), portfolio.SHORTEN_RLIMIT)
    assert got == (3, True)
    # independently: no path of 2 steps breaks a property (the incremental bmc, uncapped)
    assert bmc(spec, 2, timeout=120, induction=False).verdict == PASS
