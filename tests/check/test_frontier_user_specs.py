"""Round 23: frontier and synth answer on the round-22 user specs (tests/check/specs/).

Round 22's every-verb table (benchmarks/results/engine.md, branch q13l) had frontier and
synth saying little there: the close-factor perp's frontier a CTI at 10 accounts (its
counterexample search beyond the proved value stalled on the 10 accounts), HLP's backstop
a CTI (its shortest path past the boundary has four steps, the search three), the safe
zero-sum funding "CTI <= 0" (the symbolic k=1 step fails past 0 where prove, with the
net-position lemma it infers, proves every funding) and synth on a leverage searched the
wrong way an UNKNOWN. Each new answer is checked here against an independent
computation: the boundary worked out by hand, a proof at it by another route, and the
counterexample past it replayed on the concrete backend.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from check_helpers import load_user_spec

import solvent as sv
from solvent.check.evidence import FOUND, UNBOUNDED
from solvent.check.frontier import frontier
from solvent.check.induction import prove
from solvent.check.knobs import envelope_knob
from solvent.check.probes import (
    COUNTED_CPU_NET,
    COUNTED_REFUTE_CPU_NET,
    COUNTED_RLIMIT,
    COUNTEREXAMPLE,
    ProbeOptions,
)
from solvent.check.replay import replay
from solvent.check.results import PASS
from solvent.check.synth import synth
from solvent.errors import UsageError

pytestmark = pytest.mark.slow


def load(monkeypatch: pytest.MonkeyPatch, name: str, bug: bool, accounts: int) -> sv.Spec:
    env = {"ACCOUNTS": str(accounts), **({"BUG": "1"} if bug else {})}
    return load_user_spec(monkeypatch, name, **env)


def counted(jobs: int | None = None) -> ProbeOptions:
    """The CLI's caps (a count, not a clock; no deadline): the same answer at any load."""
    return ProbeOptions(
        rlimit=COUNTED_RLIMIT,
        cpu_net=COUNTED_CPU_NET,
        refute_cpu_net=COUNTED_REFUTE_CPU_NET,
        jobs=jobs,
    )


def replayed_past(spec: sv.Spec, param: str, result: object) -> None:
    """The counterexample past the boundary breaks an invariant on the concrete backend."""
    beyond = result.beyond  # type: ignore[attr-defined]
    assert beyond is not None and beyond.outcome == COUNTEREXAMPLE, result
    at = envelope_knob(spec, param).apply(spec, beyond.value)
    trace = beyond.result.counterexample
    assert trace is not None and trace.accounts == spec.accounts
    assert replay(at, trace).failures, "the counterexample does not replay"


def test_close_factor_frontier_at_10_accounts(monkeypatch: pytest.MonkeyPatch) -> None:
    # a move up to the maintenance margin (3%) keeps every position's equity >= 0 (the
    # lemma: equity >= maintenance after the keeper); a larger one breaks an account
    spec = load(monkeypatch, "close_factor", bug=False, accounts=10)
    result = frontier(spec, "price_move", checks=0, options=counted())
    assert result.status == FOUND, result.message  # round 22: CTI (a lower bound)
    assert result.safe == Fraction(3, 100)
    assert result.unsafe is not None and result.safe < result.unsafe <= result.safe + result.tol
    replayed_past(spec, "price_move", result)
    # the boundary proved again by plain k-induction on one account (not the probes'
    # decomposition route; the accounts never interact, so one covers any number)
    one = envelope_knob(spec, "price_move").apply(spec, result.safe).with_accounts(1)
    assert prove(one, k=1).verdict == PASS


def test_hlp_backstop_bug_frontier_past_the_default_depth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # by hand: an account not taken keeps equity >= notional / (3 x leverage), so a move
    # up to 1 / (3 x 50) = 0.00667 keeps it >= 0; past it the path has four steps (one
    # more than frontier's default search depth): round 22 said CTI
    spec = load(monkeypatch, "hlp_backstop", bug=True, accounts=1)
    result = frontier(spec, "move", checks=0, options=counted())
    assert result.status == FOUND, result.message
    assert result.safe is not None and result.unsafe is not None
    assert result.safe <= Fraction(1, 150) < result.unsafe <= result.safe + result.tol
    replayed_past(spec, "move", result)
    # proved again, plain k=1, with the lemma the hand bound rests on written by hand
    at = envelope_knob(spec, "move").apply(spec, result.safe)

    def above_the_line(s, p, a):  # type: ignore[no-untyped-def]
        notional = s.size_btc[a] * s.oracle
        equity = s.isolated_margin[a] + s.size_btc[a] * (s.oracle - s.entry_price[a])
        return (s.size_btc[a] >= 0) & (s.oracle > 0) & (equity * 3 * p.max_leverage >= notional)

    at.lemma(above_the_line)
    assert prove(at, k=1).verdict == PASS


def test_zero_sum_funding_safe_is_proved_past_the_step_cti(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every funding is safe: the payments are funding x sum(position) = 0. The symbolic
    # k=1 step fails past 0 (it lacks the net-position lemma); prove infers it
    spec = load(monkeypatch, "zero_sum_funding", bug=False, accounts=3)
    result = frontier(spec, "funding_usd", search_range=(0, 160), checks=0, options=counted())
    assert result.status == UNBOUNDED, result.message  # round 22: "CTI <= 0"
    assert result.safe == 160
    # proved again with the lemma written by hand, plain k=1, nothing inferred
    at = envelope_knob(spec, "funding_usd").apply(spec, Fraction(160))

    def net_position_zero(s):  # type: ignore[no-untyped-def]
        return sv.sum(s.position[a] for a in s.accounts) == 0

    at.lemma(net_position_zero)
    assert prove(at, k=1).verdict == PASS


def test_zero_sum_funding_bug_frontier_at_zero_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    # round 22's "PASS <= 0" on the bug is right (no funding moves no cash; any funding
    # lets the skipped payer create cash) and now says it is no margin
    spec = load(monkeypatch, "zero_sum_funding", bug=True, accounts=3)
    result = frontier(spec, "funding_usd", checks=0, options=counted())
    assert result.status == FOUND and result.safe == 0, result.message
    assert "proved only at the most conservative value" in result.message
    replayed_past(spec, "funding_usd", result)


def test_synth_leverage_searched_down_says_it_is_unsafe_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # synth's default direction (down: the smallest margin) on a leverage starts at its
    # largest value: 60x on the 50x bug's backstop is unsafe, said with the path (exit 3),
    # not an UNKNOWN; searched up, the largest safe leverage, within 1 / (3 x 0.008)
    spec = load(monkeypatch, "hlp_backstop", bug=True, accounts=1)
    with pytest.raises(UsageError, match="already unsafe.*--direction"):
        synth(spec, "max_leverage", search_range=(20, 60), checks=0, options=counted())
    up = synth(
        spec, "max_leverage", direction="up", search_range=(20, 60), checks=0, options=counted()
    )
    assert up.status == FOUND, up.message
    assert up.safe is not None and up.unsafe is not None
    assert up.safe <= Fraction(1000, 24) < up.unsafe


def test_jobs_do_not_change_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load(monkeypatch, "hlp_backstop", bug=True, accounts=1)
    one, two = (frontier(spec, "move", checks=1, options=counted(j)) for j in (1, 2))
    assert (one.status, one.safe, one.unsafe) == (two.status, two.safe, two.unsafe)
    assert [(p.value, p.outcome, p.bound) for p in one.probes] == [
        (p.value, p.outcome, p.bound) for p in two.probes
    ]
