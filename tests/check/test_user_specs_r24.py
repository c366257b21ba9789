"""Round 24: five more user specs in new styles (tests/check/specs/), each safe and ``BUG=1``.

- ``two_market_tiers``: Drift/dYdX cross margin over BTC and ETH, BTC tiered by notional
  with Hyperliquid's deduction, liquidation slippage and a capped fee to the fund; the
  bug looks the tier up by the size in BTC.
- ``lp_pool_withdraw``: a GMX-style LP pool as the traders' counterparty; the bug's
  withdrawal cap counts today's pending PnL, not the reserve.
- ``debt_pool_stale``: a Synthetix-style debt pool read through an oracle that may be
  stale (``@spec.oracle(within=K)``); the bug is a three-step heartbeat.
- ``premium_clamp``: dYdX-style funding from a clamped premium, a keeper one hour late;
  the bug clamps the hourly rate at the 8-hour cap.
- ``delta_hedge``: a Deribit-style perp hedging short calls, margined by delta; the bug
  margins a fixed delta of 0.5.

Each verdict is pinned against ``user_specs_r24_hand.py`` (the same rules written again
without solvent): every bug's path worked out by hand breaks the invariant at the depth
bmc reports, every counterexample replays, and every safe variant's argument is a
hand-written Z3 query that answers ``unsat`` (and ``sat`` for its bug), so a PASS is never
reported where the hand says broken nor a FAIL where it says safe.
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest
import user_specs_r24_hand as hand
import z3
from check_helpers import load_user_spec

from solvent.check.bmc import bmc
from solvent.check.decompose import prove_any_accounts
from solvent.check.induction import prove
from solvent.check.replay import replay
from solvent.engine.trace import Trace, from_json

pytestmark = pytest.mark.slow

# spec: (the hand's path of the invariant's slack, the depth it first goes negative)
BUGS = {
    "two_market_tiers": (hand.tiers_bug_path, 4),
    "lp_pool_withdraw": (hand.pool_bug_path, 4),
    "debt_pool_stale": (lambda: [r - 1 for r in hand.debt_bug_path()], 3),
    "premium_clamp": (hand.funding_bug_path, 3),
    "delta_hedge": (hand.hedge_bug_path, 3),
}


@pytest.mark.parametrize("name", sorted(BUGS))
def test_the_hand_path_breaks_the_invariant_at_its_depth(name: str) -> None:
    path, depth = BUGS[name]
    slack = path()
    assert len(slack) == depth + 1
    assert all(x >= 0 for x in slack[:depth]) and slack[depth] < 0


def test_the_safe_arguments_hold_by_hand_and_fail_for_the_bugs() -> None:
    assert hand.tiers_safe_step() == z3.unsat
    assert hand.tiers_safe_step(bug=True) == z3.sat
    assert hand.pool_safe_step() == z3.unsat
    assert hand.hedge_safe_step() == z3.unsat
    # the oracle: safe up to two stale steps, broken at three (the bug's heartbeat)
    assert [hand.debt_safe_step(k) for k in (1, 2, 3)] == [z3.unsat, z3.unsat, z3.sat]
    assert [hand.debt_safe_bound(k) >= 1 for k in (1, 2, 3)] == [True, True, False]
    # funding: the hourly clamp (3% / 8) is safe, the 8-hour one on the hour is not
    assert hand.funding_safe_step(F("0.03") / 8) == z3.unsat
    assert hand.funding_safe_step(F("0.1") / 8) == z3.sat


# delta_hedge's bug is not found by bmc within 240 s (UNKNOWN; see the next test)
FOUND = sorted(set(BUGS) - {"delta_hedge"})


@pytest.mark.parametrize("name", FOUND)
def test_each_bug_is_found_at_the_hand_depth_and_replayed(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    spec = load_user_spec(monkeypatch, name, BUG="1", ACCOUNTS="1")
    shortest = BUGS[name][1]
    result = bmc(spec, 5, timeout=300, jobs=1)
    assert result.verdict == "FAIL", result.message
    assert result.depth is not None and shortest <= result.depth <= 5
    if result.depth > shortest:  # a longer path only when it says so
        assert "a shorter one was not ruled out" in result.message
    trace = result.counterexample
    assert trace is not None
    again = replay(spec, trace)
    assert again.violated and again.first_failure is not None
    assert again.first_failure.step == result.depth


@pytest.mark.parametrize("name", sorted(BUGS))
def test_the_safe_variants_are_never_failed_and_the_bugs_never_proved(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # the hand says every safe variant is safe (above), so FAIL would be a wrong
    # counterexample; PASS and UNKNOWN (the budget) both agree with it. The bug is never
    # proved (its hand path breaks it).
    # (20 s budgets: debt_pool_stale's and premium_clamp's safe proofs and the hedge bug's
    # proof end UNKNOWN at 60 s as at 20, so the longer budget only made the suite slower)
    safe = load_user_spec(monkeypatch, name, ACCOUNTS="1")
    assert bmc(safe, 3, timeout=60, jobs=1).verdict != "FAIL"
    assert prove_any_accounts(safe, prove, k=1, max_k=2, timeout=20, jobs=1).verdict != "FAIL"
    bug = load_user_spec(monkeypatch, name, BUG="1", ACCOUNTS="1")
    assert prove_any_accounts(bug, prove, k=1, max_k=2, timeout=20, jobs=1).verdict != "PASS"


def hedge_trace(deposit: str) -> Trace:
    """The hand's path of the hedge's bug as a trace: sell 10 calls and buy 5 BTC with
    ``deposit``, BTC +0.59%, then +0.8%."""
    moves = [("0", {"deposit": deposit, "perp": "5", "calls": "10"}), ("0.0059", None)]
    steps = [
        {
            "market": {"btc_return": r},
            "action": {"name": "open_portfolio", "accounts": [0], "args": args} if args else None,
        }
        for r, args in [*moves, ("0.008", None)]
    ]
    start = {"btc_index": "100000", "usdc": ["0"], "perp_btc": ["0"], "short_calls": ["0"]}
    return from_json(
        {
            "#meta": {
                "format": "solvent-trace",
                "version": 1,
                "spec": "delta-hedge",
                "accounts": 1,
            },
            "params": {},
            "init": {**start, "perp_entry": ["100000"]},
            "steps": steps,
        }
    )


def test_the_hedge_bug_replays_by_hand_and_bmc_never_passes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # solvent's concrete backend agrees with the hand: the fixed delta lets the open
    # through at 6,000 and the portfolio is negative at step 3; the safe margin (8,000
    # maintenance, 16,000 initial) refuses the open, so nothing breaks
    bug = load_user_spec(monkeypatch, "delta_hedge", BUG="1", ACCOUNTS="1")
    broken = replay(bug, hedge_trace("6000"))
    assert broken.violated and broken.first_failure is not None
    assert (broken.first_failure.name, broken.first_failure.step) == ("portfolio_not_negative", 3)
    safe = load_user_spec(monkeypatch, "delta_hedge", ACCOUNTS="1")
    assert not replay(safe, hedge_trace("6000")).violated
    # bmc does not find it within its budget (a completeness gap, written up in
    # benchmarks/results/engine.md, round 24); it must never call the bug safe
    assert bmc(bug, 3, timeout=20, jobs=1).verdict != "PASS"
