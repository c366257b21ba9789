"""bmc's search on few active accounts (issue 13): the ``few`` member and its lift.

``tests/check/specs/shared_fund.py``: six accounts draw on one fund of 25. Plain, one
account breaks it at step 3 (the shortest); with ``ONCE=1`` one account needs 5 steps and
three accounts 3, so the member's depth must be shortened on the full spec.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solvent import cli
from solvent.check import members, portfolio, symmetry
from solvent.check.replay import replay
from solvent.check.results import FAIL, UNKNOWN
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

ROOT = Path(__file__).resolve().parents[2]
FUND = ROOT / "tests" / "check" / "specs" / "shared_fund.py"
COUNTER = ROOT / "tests" / "cli" / "specs" / "counter.py"


def fund(monkeypatch: pytest.MonkeyPatch, once: bool = False, accounts: int = 6) -> Spec:
    monkeypatch.setenv("ONCE", "1" if once else "0")
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    return load_spec(str(FUND), None)


def decls(spec: Spec) -> list[Any]:
    return spec.properties()


def _doc(result: Any) -> str:
    return json.dumps(result.counterexample.to_json(), sort_keys=True)


def test_few_member_finds_on_one_account_and_lifts_to_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = fund(monkeypatch)
    answer = members.run_member("few", spec, decls(spec), 5, 60.0)
    assert (answer.verdict, answer.depth, answer.extra["active_accounts"]) == (FAIL, 3, 1)
    assert not answer.shortest  # shortest for one account only
    assert answer.trace is not None and answer.trace.accounts == 6
    first = replay(spec, answer.trace).first_failure  # the lift replays on the full spec
    assert first is not None and (first.name, first.step) == ("fund_ok", 3)


def test_few_member_never_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_spec(str(COUNTER), None).with_params(cap="100").with_accounts(5)
    answer = members.run_member("few", spec, decls(spec), 4, 60.0)
    assert answer.verdict == UNKNOWN  # no violation on fewer accounts proves nothing


def test_few_is_not_used_where_accounts_cannot_be_fewer(monkeypatch: pytest.MonkeyPatch) -> None:
    one = fund(monkeypatch, accounts=1)
    assert symmetry.smaller(one) == []
    result = portfolio.portfolio_bmc(one, 4, jobs=1, timeout=60)
    assert result.verdict == FAIL
    assert "few" not in {m["member"] for m in result.details["portfolio"]["members"]}


def test_a_deeper_find_on_fewer_accounts_is_shortened_on_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = fund(monkeypatch, once=True)
    answer = members.run_member("few", spec, decls(spec), 6, 60.0)
    assert (answer.verdict, answer.depth) == (FAIL, 5)  # one account: 10 + 5 + 5 + 5 + 5
    result = portfolio.portfolio_bmc(spec, 6, jobs=1, members=("few",), timeout=60)
    assert (result.verdict, result.bound) == (FAIL, "depth 3/6")
    assert "not ruled out" not in result.message  # shortest on six accounts, proved
    acting = {s.action.accounts[0] for s in result.counterexample.steps if s.action}
    assert len(acting) == 3


@pytest.mark.parametrize("once", [False, True])
def test_the_report_on_many_accounts_does_not_depend_on_the_winner_or_jobs(
    monkeypatch: pytest.MonkeyPatch, once: bool
) -> None:
    spec = fund(monkeypatch, once=once)
    runs = [
        (1, portfolio.MEMBERS),
        (2, portfolio.MEMBERS),
        (1, ("incremental",)),
        (1, ("few",)),
        (1, ("falsify", "deepest")),
    ]
    results = [portfolio.portfolio_bmc(spec, 5, jobs=j, members=m, timeout=60) for j, m in runs]
    assert {(r.verdict, r.bound) for r in results} == {(FAIL, "depth 3/5")}
    assert len({_doc(r) for r in results}) == 1


def test_cli_runs_the_portfolio_on_every_core_by_default(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code = cli.run(["bmc", str(FUND), "--depth", "4", "-q", "-o", str(out)])
    assert code == 1
    info = json.loads(out.read_text())["details"]["portfolio"]
    assert info["jobs"] == portfolio.default_jobs()
    one = tmp_path / "one.json"
    assert cli.run(["bmc", str(FUND), "--depth", "4", "--jobs", "1", "-q", "-o", str(one)]) == 1
    docs = [json.loads(p.read_text())["counterexample"] for p in (out, one)]
    assert docs[0] == docs[1]


def test_a_lift_counts_only_when_the_full_spec_replays_the_violation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from solvent.check.solving import Deadline

    spec = fund(monkeypatch)
    (m, small), *_ = symmetry.smaller(spec)
    found = members.unroll(small, decls(small), 5, Deadline(60.0), True)
    assert (m, found.verdict, found.depth) == (1, FAIL, 3) and found.trace is not None
    assert symmetry.lift(spec, found.trace, 2, ["fund_ok"]) is None  # not at step 2
    assert symmetry.lift(spec, found.trace, 3, ["other"]) is None  # not that property
    lifted = symmetry.lift(spec, found.trace, 3, ["fund_ok"])
    assert lifted is not None and lifted.accounts == 6
    assert lifted.init["deposit"][1:] == (0,) * 5  # the others start quiet (domain's low end)
