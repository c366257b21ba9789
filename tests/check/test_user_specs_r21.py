"""Round 21: the 18-decimal perp (``wei_perp``): its bug's path shown.

- The shrinker halved a market draw or an argument of a fixed-point path to half a unit
  of the grid, which the spec cannot hold: the FAIL the falsifier found ended in an SV810
  error (an odd number of units halved). Candidates off the grid are not tried now.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

import solvent as sv
from solvent.check.replay import replay
from solvent.check.shrink import shrink
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.spec.load import load_spec

SPECS = Path(__file__).resolve().parent / "specs"
UNIT = Fraction(1, 10**18)


def load(monkeypatch: pytest.MonkeyPatch, name: str, bug: bool, accounts: int) -> sv.Spec:
    monkeypatch.setenv("BUG", "1" if bug else "0")
    monkeypatch.setenv("ACCOUNTS", str(accounts))
    return load_spec(str(SPECS / f"{name}.py"), None)


def _worked_out_bug(spec: sv.Spec) -> Trace:
    """tests/check/test_user_specs_r19.py's path: two moves off the 2,000 grid, a long at
    its requirement to the unit, a 2% gap."""
    r1, r2 = Fraction(-15452674325169212) * UNIT, Fraction(-11503063239347140) * UNIT
    size = Fraction(32485023502246303099) * UNIT
    price = Fraction(1946444031050926210672) * UNIT
    notional = -(-(size * price) // UNIT) * UNIT
    collateral = -(-(notional * Fraction("0.02")) // UNIT) * UNIT + UNIT
    init = {
        **{"indexPrice": Fraction(2000), "insuranceFund": Fraction(0)},
        **{"collateral": (collateral,), "takerPositionSize": (Fraction(0),)},
        "takerOpenNotional": (Fraction(0),),
    }
    order = ActionChoice("open_position", (0,), {"baseAmount": size})
    steps = (
        TraceStep({"priceChange": r1}),
        TraceStep({"priceChange": r2}, order),
        TraceStep({"priceChange": Fraction("-0.02")}),
    )
    return Trace(spec.name, 1, init, steps, {}, {})


def test_a_fixed_point_path_shrinks_on_the_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load(monkeypatch, "wei_perp", True, 1)
    trace = _worked_out_bug(spec)
    assert replay(spec, trace).first_failure is not None
    out = shrink(spec, trace).trace  # before: SV810, half of an odd number of units
    assert replay(spec, out).first_failure.name == "insurance_fund_never_negative"
    numbers = [v for st in out.steps for v in st.market.values()]
    numbers += [v for st in out.steps if st.action for v in st.action.args.values()]
    numbers += [v for vs in out.init.values() for v in (vs if isinstance(vs, tuple) else (vs,))]
    assert all((Fraction(v) / UNIT).denominator == 1 for v in numbers)
