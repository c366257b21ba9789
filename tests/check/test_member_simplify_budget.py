"""The counterexample bmc shows does not depend on the clock (issue 13: "the same spec
gives the same report every time").

With ``--jobs 1`` the portfolio's solver members take turns of ``ROUND_SECONDS`` in one
process. The ``incremental`` member's path counted as the canonical one even when the
simplification of its values (0, corners, round numbers: ``readable_values``) had been
stopped by the end of its turn: the example ``perp_pool_overreserved`` then showed one of
two counterexamples from run to run, depending on whether the member finished inside its
first 5 s turn. A member whose simplification met its deadline now leaves the path to the
portfolio's canonical derivation.

The turn's end is simulated: the member's deadline is made to expire as its
simplification starts (so it keeps the solver's raw values, as a cut-short run did).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solvent.check import members, portfolio
from solvent.check.results import FAIL
from solvent.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
ISOLATED = ROOT / "tests" / "check" / "specs" / "isolated_accounts.py"


def buggy(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ACCOUNTS", "2")
    return load_spec(str(ISOLATED), None).with_params(mm="0.05")


def cut_short(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = members.readable_values
    calls = []

    def at_the_turns_end(solver: Any, u: Any, k: Any, failed: Any, deadline: Any, **kw: Any):
        calls.append(k)
        if len(calls) == 1:  # the member's own (not the canonical derivation's, after it)
            deadline.seconds = 0.0  # the member's turn ends as the simplification starts
        return plain(solver, u, k, failed, deadline, **kw)

    monkeypatch.setattr(members, "readable_values", at_the_turns_end)


def shown(result: Any) -> str:
    assert result.verdict == FAIL and result.counterexample is not None
    return json.dumps(result.counterexample.to_json(), sort_keys=True)


def test_a_member_cut_short_is_not_canonical(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = buggy(monkeypatch)
    decls = spec.properties()
    whole = members.run_member("incremental", spec, decls, 3, 60.0)
    assert whole.verdict == FAIL and whole.extra["canonical"] is True
    cut_short(monkeypatch)
    cut = members.run_member("incremental", spec, decls, 3, 60.0)
    assert cut.verdict == FAIL and cut.extra["canonical"] is False


def test_the_shown_path_does_not_depend_on_the_turns_end(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = buggy(monkeypatch)
    members_ = ("incremental",)
    # the race's turns (each member under its own share of the clock), not the capped
    # first attempt in this process
    monkeypatch.setattr(portfolio, "first_attempt", lambda *args, **kwargs: None)
    whole = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=120, members=members_)
    cut_short(monkeypatch)
    cut = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=120, members=members_)
    assert shown(cut) == shown(whole)
