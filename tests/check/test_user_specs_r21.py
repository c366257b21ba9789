"""Round 21: user specs `prove` and `bmc` answered UNKNOWN on, though the answer is known.

- ``gmx_pool`` (bug, 3 accounts): the pool couples the accounts, so the decomposition is
  refused and the proof ran on the 3 accounts, whose uncapped k=1 step does not stop by
  itself (UNKNOWN at 60 s). A real path is now first looked for on one account (the capped
  step's CTI, then bmc capped by Z3's resource counter) and lifted to the spec's accounts,
  the others idle, and replayed there (``decompose_one.lifted_coupled``); on 3 accounts
  the depths below it are cleared on the spec's own accounts, so the path is a shortest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import solvent as sv
from solvent.check import inductive_step as step_module
from solvent.check import induction
from solvent.check.bmc import bmc
from solvent.check.decompose import prove_any_accounts
from solvent.check.induction import prove
from solvent.check.replay import replay
from solvent.spec.load import load_spec

SPECS = Path(__file__).resolve().parent / "specs"


def load(monkeypatch: pytest.MonkeyPatch, name: str, **env: str) -> sv.Spec:
    for key in ("BUG", "LEMMAS", "ACCOUNTS", "FUND"):
        if key in env:
            monkeypatch.setenv(key, env[key])
        else:
            monkeypatch.delenv(key, raising=False)
    return load_spec(str(SPECS / f"{name}.py"), None)


def test_the_pool_bug_on_three_accounts_is_found_on_one_and_lifted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load(monkeypatch, "gmx_pool", BUG="1", ACCOUNTS="3")
    asked: list[int] = []  # the accounts of every inductive step asked
    real_step = step_module.inductive_step

    def counting(spec: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(spec.accounts)
        return real_step(spec, *args, **kwargs)

    monkeypatch.setattr(induction, "inductive_step", counting)
    result = prove_any_accounts(spec, prove, k=1, max_k=3, timeout=120, jobs=1)
    assert result.verdict == "FAIL", result.message
    # the step on the 3 accounts (which does not stop by itself) is never asked
    assert asked == [1]
    assert result.depth == 3 and result.accounts == 3
    assert "found on one account and lifted to 3" in result.message
    assert "no shorter one: no violation in any path of up to 2 steps" in result.message
    assert result.details["decomposition"].startswith("not applied: field collateral_usd")
    trace = result.counterexample
    assert trace is not None and trace.accounts == 3
    assert trace.meta["lifted_from_accounts"] == 1
    # the concrete replay on the 3 accounts breaks the pool's invariant at step 3; bmc's
    # portfolio on the 3 accounts (the independent search) finds a path at the same depth
    again = replay(spec, trace)
    assert ("pool_covers_pending_profit", 3) in [(f.name, f.step) for f in again.failures]
    independent = bmc(spec, depth=3, timeout=300, jobs=2)
    assert (independent.verdict, independent.depth) == ("FAIL", 3), independent.message
    # the same report on two processes
    monkeypatch.setattr(induction, "inductive_step", real_step)
    twice = prove_any_accounts(spec, prove, k=1, max_k=3, timeout=120, jobs=2)
    assert (twice.verdict, twice.depth, twice.message) == ("FAIL", 3, result.message)
    assert twice.counterexample == trace


def test_the_safe_pool_on_three_accounts_is_still_proved_on_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the proof on one account passes: no path of one account to lift, nothing searched;
    # the proof on the 3 accounts is the verdict, as before
    spec = load(monkeypatch, "gmx_pool", ACCOUNTS="3")
    searched: list[int] = []
    real_search = induction.counted_search

    def search(*args: Any) -> Any:
        searched.append(1)
        return real_search(*args)

    monkeypatch.setattr(induction, "counted_search", search)
    result = prove_any_accounts(spec, prove, k=1, max_k=3, timeout=120, jobs=1)
    assert result.verdict == "PASS" and result.accounts == 3, result.message
    assert searched == []
