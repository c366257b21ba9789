"""The README's first command, ``solvent bmc examples/bugs_detected/perp_gap_risk.py
--depth 5``, is answered by the portfolio's capped first attempt (issue 13, round 17).

Its depth-2 check, unsatisfiable, uses 1.68 million units of Z3's resource counter: with
the first attempt capped at 1.5 million it gave up there, and the run then asked the proof
for every number of accounts (a buggy spec: it cannot pass) and raced the members, whose
timing on a loaded machine decided how long the run took (3-10 s idle, 13-23 s at load 6;
``benchmarks/results/engine.md``, round 17). Counted, not timed: neither the proof nor a
race runs, and the report is the race's (the golden pair pins its text).

``SOLVENT_PROFILE`` (``check/profiling.py``, CONTRIBUTING.md) writes a profile of each
forked process of a check: the check itself and its first attempt here.
"""

from __future__ import annotations

import pstats
from pathlib import Path
from typing import Any

import pytest

import solvent as sv
from solvent.check import first_attempt, portfolio
from solvent.check.results import FAIL
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
GAP_RISK = ROOT / "examples" / "bugs_detected" / "perp_gap_risk.py"


def test_the_readme_bug_needs_neither_the_proof_nor_a_race(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(first_attempt, "FIRST_SECONDS", 120.0)  # a loaded machine's net
    races: list[int] = []
    plain = portfolio.race

    def race(*args: Any, **kwargs: Any) -> Any:
        races.append(args[3])
        return plain(*args, **kwargs)

    monkeypatch.setattr(portfolio, "race", race)
    spec = load_spec(str(GAP_RISK), None)
    asked: list[float | None] = []
    result = portfolio.portfolio_bmc(spec, 5, jobs=1, timeout=120, before_race=asked.append)
    assert (result.verdict, result.bound) == (FAIL, "depth 3/5"), result.message
    assert (races, asked) == ([], [])  # the first attempt answered
    info = result.details["portfolio"]
    assert info["winner"] == "incremental"
    assert [(m["member"], m.get("first"), m.get("canonical")) for m in info["members"]] == [
        ("incremental", True, True)
    ]
    # the path the full search gives (its depth is a shortest one: depths 0-2 cleared)
    full = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=120, induction=False)
    assert full.counterexample.to_json() == result.counterexample.to_json()


def test_solvent_profile_writes_the_forked_processes_profiles(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    base = tmp_path / "prof"
    monkeypatch.setenv("SOLVENT_PROFILE", str(base))
    result = sv.bmc(str(ROOT / "tests" / "cli" / "specs" / "counter.py"), depth=4, timeout=60)
    assert result.verdict == FAIL
    written = sorted(p.name.rsplit(".", 1)[0] for p in tmp_path.iterdir())
    assert "prof.check" in written and "prof.the-first-attempt" in written, written
    for path in tmp_path.iterdir():
        calls = pstats.Stats(str(path)).total_calls  # type: ignore[attr-defined]
        assert calls > 0, path.name


def test_without_solvent_profile_nothing_is_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SOLVENT_PROFILE", raising=False)
    monkeypatch.chdir(tmp_path)
    sv.bmc(str(ROOT / "tests" / "cli" / "specs" / "counter.py"), depth=4, timeout=60)
    assert list(tmp_path.iterdir()) == []
