"""Round 21: user specs `prove` and `bmc` answered UNKNOWN on, though the answer is known.

- ``gmx_pool`` (bug, 3 accounts): the pool couples the accounts, so the decomposition is
  refused and the proof ran on the 3 accounts, whose uncapped k=1 step does not stop by
  itself (UNKNOWN at 60 s). A real path is now first looked for on one account (the capped
  step's CTI, then bmc capped by Z3's resource counter) and lifted to the spec's accounts,
  the others idle, and replayed there (``decompose_one.lifted_coupled``); on 3 accounts
  the depths below it are cleared on the spec's own accounts, so the path is a shortest.
- ``funding_index`` with a fund of 50,000 (3 accounts, bmc to depth 5): the rule's step
  lemma "the fund never falls in a step" is false (a liquidation pays a deficit), so bmc
  fell back to unrollings that stall (UNKNOWN). A bound on what one account's step may
  take from the fund within 5 steps (50,000 / (5 x 3)) is now proved on one account
  (``decompose_fall.bounded_fall``), which answers PASS to depth 5 on the 3 accounts.
  Checked against the same bound written by hand (tests/check/specs/funding_bounded.py,
  plain k-induction) and against bmc where bmc answers: a smaller instance (fund 3,000, 2
  accounts, depth 2) both PASS, and the default fund (500), which bmc breaks at depth 4,
  is never answered PASS by the bound.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import solvent as sv
from solvent.check import induction
from solvent.check import inductive_step as step_module
from solvent.check.bmc import bmc
from solvent.check.decompose import plan, prove_any_accounts
from solvent.check.decompose_bmc import bmc_any_accounts
from solvent.check.decompose_fall import bounded_fall
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


def _steps_asked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The accounts of every inductive step prove asks from now on (appended as asked)."""
    asked: list[int] = []
    real_step = step_module.inductive_step

    def counting(spec: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(spec.accounts)
        return real_step(spec, *args, **kwargs)

    monkeypatch.setattr(induction, "inductive_step", counting)
    return asked


def test_the_pool_bug_on_three_accounts_is_found_on_one_and_lifted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load(monkeypatch, "gmx_pool", BUG="1", ACCOUNTS="3")
    asked = _steps_asked(monkeypatch)  # the accounts of every inductive step asked
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
    monkeypatch.setattr(induction, "inductive_step", step_module.inductive_step)
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


def test_the_fund_of_50000_is_safe_to_depth_5_on_3_accounts_by_the_fall_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = load(monkeypatch, "funding_index", FUND="50000").with_accounts(3)
    asked: list[tuple[int, int, bool]] = []  # each bmc call: accounts, depth, the rule's spec

    def spying(s: sv.Spec, depth: int, **kwargs: Any) -> Any:
        asked.append((s.accounts, depth, "ins_before_step" in s.fields))
        return bmc(s, depth, **kwargs)

    result = bmc_any_accounts(spec, spying, 5, timeout=300, jobs=1)
    assert result.verdict == "PASS", result.message
    assert (result.depth, result.accounts) == (5, 3)
    assert result.details["method"] == "fall bound per account and step"
    assert result.details["fall_bound"] == {"ins": "10000/3"}
    assert {"liquidate_not_enabled", "qty_at_most_10", "qty_at_least_minus_10"} <= set(
        result.details["inferred_lemmas"]
    )
    assert "stays at or above 0 (50,000 - 5 x 3 x 3,333.33)" in result.message
    # one bmc: the rule's on one account (its step lemma broken); no stalled unrolling after
    assert asked == [(1, 5, True)]
    # independent: the same bound written by hand (the boxes worked out by hand, the two
    # lemmas a user would write) is proved by plain k-induction; at 800, below the largest
    # deficit one step can leave by depth 5 (about 0.031 x 10 x 2,721), it is not
    monkeypatch.setenv("D", "10000/3")
    monkeypatch.setenv("DEPTH", "5")
    by_hand = load_spec(str(SPECS / "funding_bounded.py"), None)
    assert prove(by_hand, k=1, timeout=120).verdict == "PASS"
    monkeypatch.setenv("D", "800")
    too_small = load_spec(str(SPECS / "funding_bounded.py"), None)
    assert prove(too_small, k=1, timeout=120, search_depth=1).verdict == "CTI"


def test_the_fall_bound_agrees_with_bmc_where_bmc_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # fund 3,000 on 2 accounts, depth 2: the bound (750 a step) proves it, and so does bmc
    spec = load(monkeypatch, "funding_index", FUND="3000").with_accounts(2)
    fell = bounded_fall(spec, plan(spec).rule, 2, None, 120)
    assert fell is not None and fell.verdict == "PASS", fell
    assert bmc(spec, 2, timeout=120).verdict == "PASS"
    # the default fund (500): bmc breaks it at depth 4 on one account (a real path), and the
    # bound never answers PASS there, on one account or two
    spec = load(monkeypatch, "funding_index", FUND="500").with_accounts(2)
    broken = bmc(spec.with_accounts(1), 4, timeout=300, jobs=2)
    assert (broken.verdict, broken.depth) == ("FAIL", 4), broken.message
    for n in (1, 2):
        assert bounded_fall(spec.with_accounts(n), plan(spec).rule, 4, None, 120) is None


def _ledger() -> sv.Spec:
    """Two accounts and a total kept beside their balances: the invariant reads every
    account (coupled), the spec has no lemma, k=1 proves it."""
    spec = sv.Spec("ledger", accounts=2)

    @spec.state
    class S:
        total: sv.Num = sv.Num("0")
        bal: sv.PerAccount[sv.Num] = sv.Num("0")

    @spec.envelope
    class M:
        noise: sv.Num = sv.within("0", "1")

    @spec.action(x=sv.within("0", "5"))
    def deposit(s, p, a, x):  # type: ignore[no-untyped-def]
        s.bal[a] = s.bal[a] + x
        s.total = s.total + x

    @spec.invariant
    def total_is_the_sum(s):  # type: ignore[no-untyped-def]
        return s.total == sum(s.bal[a] for a in s.accounts)

    return spec


def test_the_k1_pass_on_the_spec_s_own_accounts_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # own_first's proof at k=1 on the spec's accounts passed and was dropped; the proof as
    # asked then asked the same step again: now one step on the 2 accounts, not two
    spec = _ledger()
    assert not spec.lemmas
    asked = _steps_asked(monkeypatch)
    result = prove_any_accounts(spec, prove, k=1, max_k=3, timeout=120, jobs=1)
    assert result.verdict == "PASS" and result.accounts == 2, result.message
    assert asked == [1, 2]  # the one account's (nothing to lift), then the 2 accounts' once
    assert result.details["decomposition"].startswith("not applied: invariant total_is_the_sum")
    monkeypatch.setattr(induction, "inductive_step", step_module.inductive_step)
    assert bmc(spec, 4, timeout=120).verdict == "PASS"  # independent: no path of 4 steps


def test_a_cti_on_the_late_keeper_offers_the_counter_templates_as_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the plain proof (no inference) ends in a CTI; the suggestions are the late keeper's
    # counter templates as code, checked (the proof passes with them); pasted into the
    # spec as a user would, they make plain k-induction prove it
    from solvent.check.suggest import explain

    spec = load(monkeypatch, "late_keeper", ACCOUNTS="1")
    cti = prove(spec, k=1, max_k=1, timeout=120)
    assert cti.verdict == "CTI"
    shown = explain(spec, cti, prove, k=1, max_k=1, timeout=120).details["lemmas"]
    names = [x["name"] for x in shown]
    assert names[:2] == ["late_counts_to_2", "queue_margin_while_late"], names
    assert all(x["proves"] for x in shown)
    assert (
        "(p.mm - sv.Num('0.03') * (1 + p.mm) / (1 - sv.Num('0.03')) * s.late[a])"
        in (shown[1]["code"])
    )
    pasted = load(monkeypatch, "late_keeper", ACCOUNTS="1")
    space = dict(pasted.keepers[0].fn.__globals__, spec=pasted)
    for x in shown:
        exec(x["code"], space)  # noqa: S102 - the user's paste
    assert {"late_counts_to_2", "queue_margin_while_late"} <= {d.name for d in pasted.lemmas}
    assert prove(pasted, k=1, timeout=120).verdict == "PASS"
