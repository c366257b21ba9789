"""The bmc portfolio (issue 13): every member, the race on processes, and determinism.

The counter spec (tests/cli/specs/counter.py) breaks its cap at step 4 and not before;
with ``cap=100`` nothing breaks within 5 steps. Each member must find the same shortest
depth, and the reported counterexample must not depend on which member won nor on
``--jobs``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from solvent import cli
from solvent.check import members, portfolio
from solvent.check.bmc import bmc
from solvent.check.falsify import constants, falsify
from solvent.check.replay import replay
from solvent.check.results import FAIL, PASS
from solvent.check.solving import Deadline
from solvent.errors import SpecError
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

ROOT = Path(__file__).resolve().parents[2]
COUNTER = ROOT / "tests" / "cli" / "specs" / "counter.py"


def counter(cap: str = "3") -> Spec:
    return load_spec(str(COUNTER), None).with_params(cap=cap)


def decls(spec: Spec) -> list[Any]:
    return spec.properties() + [d for d in spec.lemmas if d not in spec.properties()]


@pytest.mark.parametrize("member", ["deepest", "incremental", "fresh"])
def test_each_solver_member_finds_the_shortest_violation(member: str) -> None:
    spec = counter()
    answer = members.run_member(member, spec, decls(spec), 6, 60.0)
    assert (answer.member, answer.verdict, answer.depth, answer.shortest) == (
        member,
        FAIL,
        4,
        True,
    )


@pytest.mark.parametrize("member", ["deepest", "incremental", "fresh"])
def test_each_solver_member_passes_a_safe_spec(member: str) -> None:
    spec = counter("100")
    answer = members.run_member(member, spec, decls(spec), 4, 60.0)
    assert (answer.verdict, answer.depth) == (PASS, 4)


def test_falsifier_finds_a_replayed_path_and_is_seeded() -> None:
    spec = counter()
    trace, tried = falsify(spec, ["below_cap"], 6, seconds=None, max_paths=500)
    assert trace is not None and 1 <= tried <= 500
    first = replay(spec, trace).first_failure
    # the path is cut at its first violation, which is at step 4 or later (never shorter)
    assert first is not None and first.step == len(trace.steps) >= 4
    again, tried_again = falsify(spec, ["below_cap"], 6, seconds=None, max_paths=500)
    assert (again, tried_again) == (trace, tried)
    assert falsify(counter("100"), ["below_cap"], 4, seconds=None, max_paths=50)[0] is None


def test_falsifier_aims_at_the_specs_constants() -> None:
    # the parameter (cap = 3) and the number literals of the spec's functions
    assert 3 in constants(counter())


def test_ladder_ends_at_the_depth() -> None:
    assert members.ladder(2) == [2]
    assert members.ladder(5) == [3, 5]
    assert members.ladder(20) == [3, 6, 12, 20]


def test_shorten_from_a_deeper_violation() -> None:
    spec = counter()
    assert members.shorten(spec, decls(spec), 6, Deadline(60.0)) == (4, True)


def _doc(result: Any) -> str:
    return json.dumps(result.counterexample.to_json(), sort_keys=True)


def test_the_report_does_not_depend_on_the_winner_or_jobs() -> None:
    spec = counter()
    results = [
        portfolio.portfolio_bmc(spec, 6, jobs=jobs, members=members, timeout=60)
        for jobs, members in [
            (1, portfolio.MEMBERS),
            (2, portfolio.MEMBERS),
            (1, ("falsify",)),  # found by chance, at step 4 or later: shortened, re-derived
            (1, ("deepest",)),
            (1, ("fresh",)),
        ]
    ]
    winners = [r.details["portfolio"]["winner"] for r in results]
    assert winners[2:] == ["falsify", "deepest", "fresh"]
    assert {(r.verdict, r.bound, r.invariant) for r in results} == {
        (FAIL, "depth 4/6", "below_cap")
    }
    assert len({_doc(r) for r in results}) == 1
    # the same as the plain incremental bmc
    assert _doc(bmc(spec, 6)) == _doc(results[0])


def test_json_records_the_winner_and_each_members_time(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code = cli.run(["bmc", str(COUNTER), "--depth", "5", "--jobs", "2", "-q", "-o", str(out)])
    assert code == 1
    info = json.loads(out.read_text())["details"]["portfolio"]
    assert info["jobs"] == 2 and info["winner"] in portfolio.MEMBERS
    assert info["members"] and all(m["seconds"] >= 0 for m in info["members"])
    assert any(m["member"] == info["winner"] and m["verdict"] == FAIL for m in info["members"])


def test_jobs_is_validated(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["bmc", str(COUNTER), "--jobs", "0"]) == 3
    assert "--jobs must be an integer >= 1" in capsys.readouterr().err


def test_jobs_from_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from solvent import config

    (tmp_path / "pyproject.toml").write_text("[tool.solvent]\njobs = 1\n")
    monkeypatch.chdir(tmp_path)
    assert config.resolve({}).jobs == 1
    assert config.resolve({"jobs": 2}).jobs == 2


def test_an_error_in_a_worker_process_reaches_the_user(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Any:
        raise SpecError("the spec broke in a member")

    def slow(*args: Any) -> Any:
        time.sleep(30)
        raise AssertionError("not terminated")

    monkeypatch.setitem(members._MEMBER_FNS, "fresh", slow)
    monkeypatch.setitem(members._MEMBER_FNS, "deepest", broken)
    began = time.perf_counter()
    with pytest.raises(SpecError, match="broke in a member"):
        portfolio.portfolio_bmc(counter(), 6, jobs=2, members=("fresh", "deepest"))
    assert time.perf_counter() - began < 20  # the slow member was terminated


def test_members_that_give_up_are_not_retried_forever(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def gives_up(name: str) -> Any:
        def member(*args: Any) -> Any:
            calls.append(name)
            return members.Answer(name, "UNKNOWN", note="incomplete (theory arithmetic)")

        return member

    for name in ("deepest", "fresh"):
        monkeypatch.setitem(members._MEMBER_FNS, name, gives_up(name))
    result = portfolio.portfolio_bmc(counter(), 6, jobs=1, members=("deepest", "fresh"))
    assert result.verdict == "UNKNOWN" and "every strategy gave up" in result.message
    assert calls == ["deepest", "fresh"]  # no budget is unlimited; each tried once


SAFE = ROOT / "tests" / "cli" / "specs" / "safe.py"


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_pass_is_worded_by_the_induction_member_whoever_won(jobs: int) -> None:
    inductive = portfolio.portfolio_bmc(load_spec(str(SAFE), None), 3, jobs=jobs, timeout=60)
    assert inductive.verdict == PASS and inductive.details.get("method") == "1-induction"
    assert "1-inductive, so none at any depth" in inductive.message
    bounded = portfolio.portfolio_bmc(counter("100"), 3, jobs=jobs, timeout=60)
    assert bounded.verdict == PASS and "method" not in bounded.details
    assert bounded.message == "no violation in any path of up to 3 steps (2 accounts)"
