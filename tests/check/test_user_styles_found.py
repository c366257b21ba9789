"""Bugs in user-style specs that were reported UNKNOWN (issue 13, round 17).

- ``cross_margin.py`` BUG=1 (the keeper watches the BTC leg only): a trade at the margin,
  then three 4% falls. The falsifier drew the trade's size and the account's collateral
  independently and missed it in 5,000 paths; its edge mode (``falsify_edge``) trades as
  far as the guard allows and finds it in a few dozen. The path is checked against the
  closed form (the deficit is the loss beyond the collateral) and replayed on the judge.
- ``funding_index.py`` on 3 accounts: an inconclusive bmc named the one-account rule's
  internal step lemma (``ins_never_falls_in_a_step``) and showed its path; now it names
  the user's invariant, says which step action moved which field, and what to try.
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import pytest

import solvent as sv
from solvent.check.decompose_why import explained, step_lemma_broke
from solvent.check.falsify import falsify
from solvent.check.first_attempt import in_child
from solvent.check.replay import replay
from solvent.check.results import FAIL, UNKNOWN, CheckResult
from solvent.check.solving import Deadline
from solvent.spec.load import load_spec

SPECS = Path(__file__).resolve().parent / "specs"


def cross(monkeypatch: pytest.MonkeyPatch, bug: bool, accounts: int) -> sv.Spec:
    monkeypatch.setenv("BUG", "1" if bug else "0")
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    return load_spec(str(SPECS / "cross_margin.py"), None)


def test_the_falsifier_finds_the_cross_margin_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = cross(monkeypatch, True, 3)
    trace, tried = falsify(spec, ["fund_ok"], 5, seconds=None, max_paths=200)
    assert trace is not None, f"no violation in {tried} paths"  # main: none in 5,000
    result = replay(spec, trace)
    first = result.first_failure
    assert first is not None and first.name == "fund_ok" and first.step == len(trace.steps)
    # the closed form: the fund paid exactly what the liquidated accounts' equity lacked
    fund = result.records[-1].state["fund"]
    assert fund < 0
    # the safe variant (the keeper watches both legs) is not broken by the same stream
    safe = cross(monkeypatch, False, 3)
    assert falsify(safe, ["fund_ok"], 5, seconds=None, max_paths=40)[0] is None


def test_the_edge_trade_is_as_large_as_the_margin_allows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An edge path's trades keep the initial-margin guard, most at its boundary."""
    import random

    from solvent.check.falsify import Paths
    from solvent.check.falsify_edge import edge_path

    spec = cross(monkeypatch, True, 1)
    gen = Paths(spec, 1, random.Random(7))
    near = 0
    for _ in range(30):
        trace = edge_path(gen)
        act = trace.steps[0].action
        rec = replay(spec, trace).records[1]
        if act is None or not rec.action_enabled:
            continue
        st = rec.state
        equity = st["collateral"][0]
        notional = abs(st["btc_size"][0]) * 30000 * Fraction(
            1 + trace.steps[0].market["btc_move"]
        ) + abs(st["eth_size"][0]) * 2000 * Fraction(1 + trace.steps[0].market["eth_move"])
        assert equity >= notional * Fraction("0.1")  # the guard held
        dq = abs(next(iter(act.args.values())))
        if dq < (1 if act.name == "trade_btc" else 20) and equity < notional * Fraction("0.11"):
            near += 1
    assert near >= 3  # pushed to the guard's edge, not only to the domain's end


@pytest.mark.serial  # a wall-clock budget (in_child's Deadline): no other test meanwhile
def test_meanwhile_runs_while_the_child_works(monkeypatch: pytest.MonkeyPatch) -> None:
    """The falsifier's turns beside the first attempt: once the child has used
    ``MEANWHILE_AFTER`` seconds of CPU (a child that waits uses none: no turn), until a
    turn finds something; the child's own answer is still the one returned.

    The busy child works until the parent has had its second turn (an event, not a span
    of wall time: at load 8-12 a child busy for 2 s of wall time used too little CPU
    for two turns), so the count of turns does not depend on the load."""
    import multiprocessing

    from solvent.check import first_attempt

    monkeypatch.setattr(first_attempt, "MEANWHILE_AFTER", 0.3)
    calls: list[float] = []
    second_turn = multiprocessing.get_context("fork").Event()

    def busy() -> str:  # pragma: no cover - child process
        began = time.process_time()  # (30 s of CPU: a bound for a parent that takes no turn)
        while not second_turn.is_set() and time.process_time() - began < 30:
            sum(range(10_000))  # CPU, so that the parent's turns come
        return "child"

    def idle() -> str:  # pragma: no cover - child process
        time.sleep(1.0)
        return "child"

    def turn(seconds: float) -> str | None:
        calls.append(seconds)
        if len(calls) >= 2:
            second_turn.set()
            return "found"
        return None

    assert in_child(idle, Deadline(20), None, turn) == "child"
    assert calls == []
    # a margin no load crosses: the child needs 0.3 s of CPU and two turns of the parent
    assert in_child(busy, Deadline(600), None, turn) == "child"
    assert len(calls) == 2  # no turn after the find
    assert all(0 < s <= 0.25 for s in calls)


def test_an_unknown_names_the_users_invariant_not_the_step_lemma(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from solvent.check.decompose import plan

    spec = load_spec(str(SPECS / "funding_index.py"), None).with_accounts(3)
    p = plan(spec, None)
    assert p.rule is not None
    one = p.rule.spec
    # the one-account path that breaks only the step lemma: a trade, three falls, a
    # liquidation whose deficit the fund pays (round 16's report showed it as the UNKNOWN)
    path = sv.Trace(
        one.name,
        1,
        {**_init(one), "col": (Fraction(369),)},
        tuple(
            sv.TraceStep(
                {"move": Fraction("-0.08"), "fr": Fraction(0)},
                sv.ActionChoice("trade", (0,), {"size": Fraction(1)}) if t == 0 else None,
                {},
            )
            for t in range(4)
        ),
        dict(one.param_values().as_dict()),
        {},
    )
    replayed = replay(one, path)
    broken = {f.name for f in replayed.failures}
    assert broken and "fund_solvent" not in broken  # only the internal lemma
    first = CheckResult("bmc", one.name, FAIL, "depth 4/5", 1.0, 1, counterexample=path)
    first.details["replay"] = replayed
    why = step_lemma_broke(one, first, p.rule, ["fund_solvent"])
    assert "fund_solvent reads ins" in why
    assert "keeper liquidate lowered ins" in why
    assert "_in_a_step" not in why
    assert "Next:" in why and "Tried:" in why
    unknown = CheckResult("bmc", spec.name, UNKNOWN, "depth 3/5", 60.0, 3, "fund_solvent")
    unknown.message = "solver timeout after 60s"
    assert explained(unknown, why).message.endswith(why)


def _init(spec: sv.Spec) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, fd in spec.fields.items():
        vals = tuple(
            x if isinstance(x, bool) else Fraction(str(getattr(x, "lo", x))) for x in fd.init
        )
        out[name] = vals if fd.per_account else vals[0]
    return out


def test_the_shortening_of_a_found_path_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shortening that stalls (the Drift-style spec at MMR=0.04 on 3 accounts spent the
    whole budget ruling out depths 1-2) is stopped after ``DERIVE_SECONDS`` of its CPU
    time (not wall time: the same report on a busy machine): the path is shown as found,
    its message saying it may not be the shortest, long before the budget ends."""
    from solvent.check import portfolio

    monkeypatch.setenv("BUG", "1")
    monkeypatch.setenv("ACCOUNTS", "1")
    spec = load_spec(str(SPECS / "late_keeper.py"), None)
    monkeypatch.setattr(portfolio, "DERIVE_SECONDS", 2.0)
    monkeypatch.setattr(portfolio, "FALSIFY_SECONDS", 20.0)  # its 84 paths, on any load

    def stalls(*args: object, **kwargs: object) -> object:  # pragma: no cover - child
        began = time.process_time()
        while time.process_time() - began < 60:  # a stalled solver check: it burns CPU
            pass
        raise AssertionError("not stopped")

    monkeypatch.setattr(portfolio, "shorten", stalls)
    began = time.perf_counter()
    result = portfolio.portfolio_bmc(spec, 5, jobs=1, timeout=60, members=("falsify",))
    took = time.perf_counter() - began
    assert result.verdict == FAIL, result.message
    assert "a shorter one was not ruled out" in result.message
    assert took < 30, took  # the budget is 60 s: bounded by the cap, not by the budget
    replayed = result.details["replay"]
    assert any(f.name == "fund_ok" for f in replayed.failures)


def test_the_late_keeper_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/check/specs/late_keeper.py: a keeper that closes an account two steps after
    flagging it. Maintenance 5% (BUG=1) leaves a deficit at step 5, found on one account
    and lifted to 3; maintenance 10% has none within 3 steps (bmc on one account)."""
    from solvent.check.bmc import bmc
    from solvent.check.decompose_bmc import bmc_any_accounts

    monkeypatch.setenv("BUG", "1")
    monkeypatch.setenv("ACCOUNTS", "3")
    spec = load_spec(str(SPECS / "late_keeper.py"), None)
    result = bmc_any_accounts(spec, bmc, 5, timeout=60)
    assert result.verdict == FAIL, result.message
    assert result.depth == 5 and result.accounts == 3
    replayed = result.details["replay"]
    assert any(f.name == "fund_ok" and f.step == 5 for f in replayed.failures)
    assert replayed.records[-1].state["fund"] < 0
    monkeypatch.setenv("BUG", "0")
    safe = load_spec(str(SPECS / "late_keeper.py"), None)
    assert bmc(safe.with_accounts(1), depth=3, timeout=60).verdict == "PASS"
