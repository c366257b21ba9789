"""`frontier`: the largest proved value of an envelope bound, with both sides of the evidence.

Closed form (examples/frontier/README.md): with no insurance fund and liquidation every
step, the isolated perp is solvent for every path length exactly when the per-step move is
at most the maintenance margin (equality included).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from risk_specs import broken, perp, window

from solvent.check.frontier import FOUND, INCONCLUSIVE, LOWER_BOUND, UNBOUNDED, frontier
from solvent.check.probes import COUNTEREXAMPLE, INCONCLUSIVE_PROBE, PROVED, ProbeOptions
from solvent.check.results import CTI, PASS, UNKNOWN
from solvent.errors import UsageError

TOL = Fraction(1, 1000)


def assert_matches_closed_form(result, margin: Fraction) -> None:  # noqa: ANN001
    assert result.status == FOUND, result.message
    assert result.verdict == PASS and result.exit_code == 0
    assert result.safe <= margin < result.unsafe
    assert result.unsafe - result.safe <= TOL
    assert margin - result.safe <= TOL
    # both sides of the evidence
    assert result.boundary.outcome == PROVED and result.boundary.value == result.safe
    assert result.beyond.outcome == COUNTEREXAMPLE and result.beyond.value == result.unsafe
    replayed = result.beyond.result.details["replay"]
    assert replayed.violated
    moves = [abs(step.market["move"]) for step in result.beyond.result.counterexample.steps]
    assert max(moves) <= result.unsafe  # inside the envelope just beyond the boundary
    assert max(moves) > margin  # and it needs a gap larger than the margin


@pytest.mark.parametrize("margin", ["0.05", "0.08", "0.10"])
def test_three_accounts_match_the_closed_form(margin: str) -> None:
    result = frontier(perp(accounts=3, maintenance_margin=margin), "move", tol=TOL, checks=0)
    assert_matches_closed_form(result, Fraction(margin))
    assert result.method == "symbolic"


def test_bisection_and_symbolic_agree_in_one_run() -> None:
    result = frontier(
        perp(maintenance_margin="0.05", max_move="0.08"), "move", tol=TOL, method="both", checks=0
    )
    assert_matches_closed_form(result, Fraction(5, 100))
    symbolic, bisection = result.runs
    assert (symbolic.method, bisection.method) == ("symbolic", "bisection")
    assert symbolic.ok and bisection.ok
    assert abs(symbolic.safe - bisection.safe) <= TOL
    assert "agree" in result.method_reason
    assert symbolic.solver_calls > 0 and bisection.checks > symbolic.checks


def test_bisection_alone_from_an_unsafe_spec_value() -> None:
    # the gap-risk spec: 5% margin, 8% moves; the search goes back to the degenerate envelope
    result = frontier(
        perp(maintenance_margin="0.05", max_move="0.08"),
        "move",
        tol=TOL,
        method="bisection",
        checks=0,
    )
    assert_matches_closed_form(result, Fraction(5, 100))
    assert result.method == "bisection" and result.symbolic is None
    assert [p.purpose for p in result.probes][:2] == ["spec value", "conservative end"]
    assert all(
        p.value.denominator in (1, 10, 100, 1000, 20, 50, 200, 500, 25, 250, 2, 4, 5, 8, 40, 125)
        or p.check != "prove"
        for p in result.probes
    )


def test_one_side_of_the_bound() -> None:
    result = frontier(perp(), "move.hi", tol="0.002", checks=0)
    assert result.status == FOUND
    assert result.safe <= Fraction(8, 100) < result.unsafe
    assert result.knob.side == "hi"


def test_range_and_monotonicity_probes() -> None:
    # tol 0.01: 10 probes, not the 12 of 0.002 (each a whole prove)
    result = frontier(perp(), "move", tol="0.01", search_range=("0.02", "0.3"), method="bisection")
    assert result.status == FOUND and result.safe <= Fraction(8, 100) < result.unsafe
    assert result.unsafe - result.safe <= Fraction(1, 100)
    assert result.search_range == (Fraction(2, 100), Fraction(3, 10))
    assert result.monotone is True
    assert any(p.purpose == "monotonicity" for p in result.probes)


def test_proved_everywhere_is_unbounded() -> None:
    result = frontier(window(), "move", search_range=("0", "5"))
    assert result.status == UNBOUNDED and result.exit_code == 0
    assert result.safe == 5 and result.beyond is None
    assert "no frontier in the range searched" in result.message


def test_unsafe_at_the_most_conservative_value_is_bad_input() -> None:
    with pytest.raises(UsageError, match="already unsafe at its most conservative value"):
        frontier(broken(), "move")


def test_beyond_only_a_cti_is_a_lower_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # depth 1 cannot reach the 3-step gap, so beyond the boundary there is only a CTI
    # (the search on the fewest accounts goes refute_few.EXTRA_DEPTH deeper: not here)
    from solvent.check import refute_few

    monkeypatch.setattr(refute_few, "EXTRA_DEPTH", 0)
    result = frontier(perp(), "move", tol="0.002", checks=0, options=ProbeOptions(depth=1))
    assert result.status == LOWER_BOUND and result.exit_code == 2
    assert result.verdict == CTI
    assert result.beyond.outcome != COUNTEREXAMPLE
    assert "lower bound, not a two-sided answer" in result.message


def test_every_probe_unknown_is_inconclusive() -> None:
    result = frontier(perp(), "move", options=ProbeOptions(timeout=0.001))
    assert result.status == INCONCLUSIVE and result.exit_code == 2
    assert result.verdict == UNKNOWN and result.safe is None
    assert result.probes and all(p.outcome == INCONCLUSIVE_PROBE for p in result.probes)
    assert "every probe was UNKNOWN" in result.message


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"tol": "0"}, "tolerance must be positive"),
        ({"tol": "-0.1"}, "tolerance must be positive"),
        ({"tol": "abc"}, "not a number"),
        ({"search_range": ("0.2", "0.1")}, "exceeds its upper end"),
        ({"search_range": ("-0.1", "0.1")}, "cannot be negative"),
        ({"direction": "left"}, "direction must be up or down"),
        ({"method": "magic"}, "method must be one of"),
        ({"checks": -1}, "checks must be"),
    ],
)
def test_bad_input(kwargs: dict, needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        frontier(perp(), "move", **kwargs)


def test_unknown_invariant() -> None:
    with pytest.raises(UsageError, match="unknown invariant"):
        frontier(perp(), "move", options=ProbeOptions(invariants=("nope",)))


def test_without_timeout_the_whole_search_keeps_to_the_default_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # no verb runs unbounded: without --timeout a frontier (or synth) search stops at the
    # default budget with an honest UNKNOWN (it ran for minutes on a user's 5-account spec)
    import solvent as sv
    import solvent.settings

    monkeypatch.setattr(solvent.settings, "DEFAULT_BUDGET", 0.5)
    result = sv.frontier(perp(), "move")
    # UNKNOWN when no probe finished; on a fast machine (or with round 19's faster proofs)
    # the spec value is proved within 0.5 s and the search beyond it is cut: CTI, a lower
    # bound. Either way the search stopped at the budget and says so, never PASS
    assert result.verdict in (UNKNOWN, CTI), result.message
    assert "the time budget ran out" in result.message


def test_timeout_bounds_the_whole_search_not_each_run() -> None:
    # `frontier --timeout 60` on a user's Bybit-style spec ran past 300 s: the timeout
    # bounded each proof or bmc run and nothing bounded the search; now the search keeps
    # to it as a whole (each run to what is left of it), as without --timeout it keeps to
    # the default budget
    import time

    from solvent.api.risk import probe_options
    from solvent.settings import DEFAULT_BUDGET, Settings

    before = time.perf_counter()
    timed = probe_options(Settings(timeout=60.0))
    after = time.perf_counter()
    assert timed.deadline is not None and before + 60 <= timed.deadline <= after + 60
    assert timed.timeout == 60.0
    default = probe_options(Settings())
    assert default.deadline is not None and default.deadline >= before + DEFAULT_BUDGET


def test_from_the_console_the_search_budget_counts_from_the_process_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `frontier --timeout 60` ran 63.8-72.6 s of wall at a load of 12-17: its deadline
    # started after Python's start, the imports and loading the spec (bmc's and prove's
    # count from the process's start: api/startup.py); now the search's does too
    import time

    from solvent.api import startup
    from solvent.api.risk import probe_options
    from solvent.settings import Settings

    monkeypatch.setattr(startup, "spent", lambda: 4.0)
    before = time.perf_counter()
    timed = probe_options(Settings(timeout=60.0))
    after = time.perf_counter()
    assert timed.deadline is not None and before + 56 <= timed.deadline <= after + 56


def test_a_one_account_probe_takes_proves_route_with_inferred_lemmas() -> None:
    # a user's funding-index perp on one account (tests/check/specs/funding_index.py,
    # maintenance 12%): `solvent prove` passes it with two inferred lemmas, but the
    # frontier's probes ran plain k-induction on one account and said "not proved at its
    # most conservative value" (|move| = 0). Closed form: a step loses at most
    # |move| + 0.1% funding (of the new price) of the notional, so it stays solvent while
    # that is below the 12% maintenance: |move| <= 0.119/1.001 = 0.1188... at most
    from pathlib import Path

    from solvent.spec.load import load_spec

    path = Path(__file__).parents[1] / "check" / "specs" / "funding_index.py"
    spec = load_spec(str(path), None).with_params(maint="0.12")
    result = frontier(spec, "move", tol=Fraction(1, 100), method="bisection", checks=0)
    # the fund of 500 takes more than 3 steps to drain, so beyond it bmc finds no path:
    # a lower bound (before: no proved value at all)
    assert result.status == LOWER_BOUND, result.message
    assert Fraction(8, 100) <= result.safe <= Fraction(119, 1001)
    assert result.boundary.outcome == PROVED


def test_a_counterexample_is_looked_for_further_out_but_within_the_tolerance() -> None:
    """When the first value not proved has no counterexample within the depth (the symbolic
    frontier of examples/frontier/perp_frontier.py stops at 0.0804, whose paths of 3 steps
    are all safe, while 0.0805 has one), the search asks one value further out, still
    within the tolerance of the boundary, in the bracket's direction; never past it."""
    from solvent.check.evidence import _further

    f = Fraction
    up = _further(f("0.08"), f("0.0804"), f("0.0008"), False)
    assert up is not None and f("0.0804") < up <= f("0.0808")
    down = _further(f("0.08"), f("0.0796"), f("0.0008"), False)
    assert down is not None and f("0.0792") <= down < f("0.0796")
    assert _further(f("0.08"), f("0.0808"), f("0.0008"), False) is None  # at the tolerance
    assert _further(f(8), f(9), f(2), True) is None  # integer knobs: no value in between
    assert _further(f("0.08"), f("0.0804"), None, False) is None
