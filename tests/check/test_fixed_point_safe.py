"""The corpus's safe fixed-point variant is safe (issue 13, round 14).

With every product rounded down (``FLOOR=1``, the variant before round 14) a liquidation
could leave one unit of deficit that nothing covers (round 11): the fund drains after
enough liquidations, so no proof could pass. The corpus now rounds the way a venue does,
in the protocol's favour: what an account is paid rounded down, what it owes (margin,
fees, a trade's cost) rounded up (``sv.mul_up``), and the oracle's price on the grid
within the envelope. Checked independently of the solver: every path of up to 3 steps
over a small grid of moves and trades (dust positions included), stepped exactly on the
concrete backend, keeps the fund from ever falling; the same search finds the floor
variant's lost unit, so the grid reaches it.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from solvent.backends.modes import concrete_for, plain_value
from solvent.check import portfolio
from solvent.check.replay import TraceChooser, initial_concrete, replay
from solvent.check.results import FAIL
from solvent.engine.step import run_step
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.spec.load import load_spec
from solvent.spec.spec import Spec

ROOT = Path(__file__).resolve().parents[2]
MOVES = [Fraction(x) for x in ("-0.08", "0", "0.08")]
TRADES = [None, *(Fraction(q) for q in ("0.000002", "-0.000002", "0.003", "-0.003"))]
COLLATERAL = [Fraction(x) for x in ("0.000565", "1")]


def fixed(monkeypatch: pytest.MonkeyPatch, style: str, floor: bool, mm: str = "0.08") -> Spec:
    for key, value in {"FIXED": "1", "ACCOUNTS": "1", "MM": mm}.items():
        monkeypatch.setenv(key, value)
    if floor:
        monkeypatch.setenv("FLOOR", "1")
    else:
        monkeypatch.delenv("FLOOR", raising=False)
    for key in ("LEMMAS", "FEES", "NEEDLE", "MARKETS"):
        monkeypatch.delenv(key, raising=False)
    return load_spec(str(ROOT / "benchmarks" / "engine" / f"perp_{style}.py"), None)


def lowest_fund(spec: Spec, depth: int) -> Fraction:
    """The lowest fund over every path of up to ``depth`` steps on the grid (exact)."""
    fund = "insurance" if "insurance" in spec.fields else "fund"
    cash = "coll" if "coll" in spec.fields else "quote"
    backend = concrete_for(spec)
    params = spec.param_values()
    markets = [
        {name: m for name in spec.bounds}
        for m in MOVES  # both markets move alike (one market here)
    ]
    choices = list(itertools.product(markets, TRADES))
    lowest = Fraction(10**9)
    for coll in COLLATERAL:
        init: dict[str, Any] = {}
        for name, fd in spec.fields.items():
            value = coll if name == cash else fd.init[0]
            init[name] = (value,) if fd.per_account else value
        trace = Trace(spec.name, 1, init, ())
        stack = [(initial_concrete(spec, trace), ())]
        while stack:
            state, steps = stack.pop()
            if len(steps) == depth:
                continue
            for market, qty in choices:
                act = None if qty is None else ActionChoice("trade", (0,), {"qty": qty})
                path = (*steps, TraceStep(market, act))
                chooser = TraceChooser(spec, Trace(spec.name, 1, init, path), backend)
                out = run_step(spec, params, backend, state, len(path), chooser)
                lowest = min(lowest, plain_value(backend, out.state[fund].raw))
                stack.append((out.state, path))
    return lowest


@pytest.mark.parametrize("style", ["entry", "quote"])
def test_the_safe_fixed_point_variant_never_loses_a_unit(
    monkeypatch: pytest.MonkeyPatch, style: str
) -> None:
    assert lowest_fund(fixed(monkeypatch, style, floor=False), 3) == 100


def test_the_floor_variant_loses_one_on_the_same_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    lowest = lowest_fund(fixed(monkeypatch, "entry", floor=True), 3)
    assert 100 - Fraction(1, 10**4) <= lowest < 100


@pytest.mark.parametrize("style", ["entry", "quote"])
def test_the_buggy_variant_rounded_the_same_way_still_fails_at_depth_3(
    monkeypatch: pytest.MonkeyPatch, style: str
) -> None:
    spec = fixed(monkeypatch, style, floor=False, mm="0.05")
    result = portfolio.portfolio_bmc(spec, 3, jobs=1, timeout=60)
    assert (result.verdict, result.bound) == (FAIL, "depth 3/3"), result.message
    replayed = replay(spec, result.counterexample)  # type: ignore[arg-type]
    assert replayed.first_failure is not None and replayed.first_failure.step == 3
