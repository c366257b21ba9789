"""Golden: the needle of examples/bugs_detected/perp_needle.py, on the concrete engine only.

The stale tier-2 maintenance amount (1,200 instead of 1,000) lets an account with a
notional in [50,000, 60,000) sit below 8% margin; bad debt beyond the insurance fund needs
a notional in [50,000, 55,000), equity within ~100 of the requirement and a gap of at
least 7.8%. Traces just outside that band, and random paths, stay solvent.
"""

from __future__ import annotations

import importlib.util
import random
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import pytest

from solvent.check.replay import ReplayResult, replay
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.spec.spec import Spec

NEEDLE_FILE = Path(__file__).resolve().parents[2] / "examples" / "bugs_detected" / "perp_needle.py"


def _load_example() -> ModuleType:
    module_spec = importlib.util.spec_from_file_location("_golden_perp_needle", NEEDLE_FILE)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


EXAMPLE = _load_example()
BUGGY: Spec = EXAMPLE.perp
FIXED: Spec = EXAMPLE.build(name="perp-needle-fixed", tier2_maintenance_amount="1000")


def initial(*deposits: Fraction) -> dict[str, object]:
    return {
        "price": Fraction(2000),
        "insurance": Fraction(100),
        "bad_debt": Fraction(0),
        "liquidations": Fraction(0),
        "quote": tuple(deposits),
        "size": (Fraction(0),) * 3,
    }


def path(deposit: str, qty: str, *moves: str, spec: Spec = BUGGY) -> Trace:
    """Account 0 deposits and trades in step 1 (no move), then the price moves."""
    trade = ActionChoice("trade", (0,), {"qty": Fraction(qty)})
    steps = (TraceStep({"move": Fraction(0)}, trade),) + tuple(
        TraceStep({"move": Fraction(m)}) for m in moves
    )
    return Trace(spec.name, 3, initial(Fraction(deposit), Fraction(0), Fraction(0)), steps)


NEEDLE_LONG = ("6750", "27", "-0.0515", "-0.08")
NEEDLE_SHORT = ("6250", "-25", "0.0445", "0.08")


def run(spec: Spec, trace: Trace) -> ReplayResult:
    result = replay(spec, trace)
    assert result.notes == [], "hand-built traces must stay inside the envelope and domains"
    return result


def test_needle_long_gaps_through_the_stale_tier() -> None:
    result = run(BUGGY, path(*NEEDLE_LONG))
    failure = result.first_failure
    assert failure is not None and (failure.name, failure.step) == ("solvent", 3)
    before_gap = result.records[2]
    notional = before_gap.metrics["account_notional"][0]
    equity = before_gap.metrics["account_equity"][0]
    requirement = before_gap.metrics["maintenance"][0]
    assert notional == 51219 and equity == 3969
    # in the band: above the (too low) requirement, below 8% of notional
    assert requirement == Fraction("3921.9") <= equity < notional * Fraction("0.08")
    assert before_gap.fired == []
    last = result.records[3]
    assert last.fired == [("liquidate", 0)]
    assert last.state["insurance"] == 0
    assert last.state["bad_debt"] == Fraction("28.52")


def test_needle_short_side() -> None:
    result = run(BUGGY, path(*NEEDLE_SHORT))
    failure = result.first_failure
    assert failure is not None and (failure.name, failure.step) == ("solvent", 3)
    assert result.records[3].state["bad_debt"] > 0


@pytest.mark.parametrize("needle", [NEEDLE_LONG, NEEDLE_SHORT], ids=["long", "short"])
def test_correct_maintenance_amount_liquidates_before_the_gap(needle: tuple[str, ...]) -> None:
    result = run(FIXED, path(*needle, spec=FIXED))
    assert not result.violated
    assert result.records[2].fired == [("liquidate", 0)]
    assert result.records[3].state["bad_debt"] == 0


@pytest.mark.parametrize(
    "trace_args",
    [
        pytest.param(("6750", "24", "-0.0515", "-0.08"), id="tier-1 notional below the band"),
        pytest.param(("8000", "32", "-0.0486", "-0.08"), id="notional above the band"),
        pytest.param(("7500", "30", "-0.05", "-0.08"), id="in band, deficit within the fund"),
        pytest.param(("6750", "27", "-0.06", "-0.08"), id="liquidated before the gap"),
        pytest.param(("6750", "27", "-0.0515", "-0.077"), id="gap too small"),
        pytest.param(("6750", "27", "-0.0515", "0.08"), id="gap the other way"),
        pytest.param(("6250", "-25", "0.0445", "0.077"), id="short, gap too small"),
    ],
)
def test_nearby_paths_outside_the_band_stay_solvent(trace_args: tuple[str, ...]) -> None:
    result = run(BUGGY, path(*trace_args))
    assert not result.violated, result.first_failure


def test_random_paths_stay_solvent() -> None:
    rng = random.Random(20240611)
    for _ in range(20):
        deposits = tuple(Fraction(rng.randint(0, 10_000)) for _ in range(3))
        steps = []
        for _ in range(10):
            move = Fraction(rng.randint(-800, 800), 10_000)
            kind = rng.randrange(3)
            action = None
            if kind == 1:
                qty = Fraction(rng.randint(-50_000, 50_000), 1000)
                action = ActionChoice("trade", (rng.randrange(3),), {"qty": qty})
            elif kind == 2:
                amount = Fraction(rng.randint(0, 10_000))
                action = ActionChoice("withdraw", (rng.randrange(3),), {"amount": amount})
            steps.append(TraceStep({"move": move}, action))
        trace = Trace(BUGGY.name, 3, initial(*deposits), tuple(steps))
        result = run(BUGGY, trace)
        assert not result.violated, trace.dumps()
