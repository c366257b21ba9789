"""perp-isolated with ``liquidation="partial"`` (issue 17 point 3): the keeper closes the
fraction of a position that restores maintenance, as dYdX v4, Hyperliquid and Binance
liquidate in parts (reference/derivatives.md A1, A2, A8), instead of the whole position.

The numbers are derived by hand from the rule (A1: the fee goes to the insurance fund), and
the verdicts are checked against the closed form of the gap: one move against an account
left at maintenance costs at most ``max_move`` of its notional, so it is safe exactly when
``maintenance_margin >= max_move`` (the same bound as a full close).
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from solvent.check.induction import prove
from solvent.check.replay import replay
from solvent.engine.trace import from_json
from solvent.errors import ModelParameterError
from solvent.models import perp_isolated

# one short of 4 opened at 1840 with 913 of collateral; the price gaps up 8%
TRACE = {
    "#meta": {"format": "solvent-trace", "version": 1, "spec": "p", "accounts": 1},
    "init": {
        "price": "2000",
        "insurance": "100",
        "bad_debt": "0",
        "liquidations": "0",
        "quote": ["913"],
        "size": ["0"],
    },  # fmt: skip
    "steps": [
        {
            "market": {"move": "-0.08"},
            "action": {"name": "trade", "accounts": [0], "args": {"qty": "-4"}},
        },  # fmt: skip
        {"market": {"move": "0.08"}, "action": None},
    ],
}


def _after(liquidation: str) -> dict:  # type: ignore[type-arg]
    spec = perp_isolated.build(name="p", accounts=1, liquidation=liquidation)
    result = replay(spec, from_json(TRACE))
    return result.records[-1].state


def test_partial_closes_the_fraction_that_restores_maintenance() -> None:
    price = F(2000) * F("0.92") * F("1.08")  # 1987.2
    quote, size = F(913) + 4 * F(1840), F(-4)
    equity, notional = quote + size * price, 4 * price  # 324.2 < 5% of 7948.8 = 397.44
    # close f of it, the fee 1% of the closed notional: e - f*n*fee = (1 - f)*n*mm
    f = (notional * F("0.05") - equity) / (notional * (F("0.05") - F("0.01")))
    fee = notional * f * F("0.01")
    state = _after("partial")
    assert state["size"][0] == size * (1 - f)
    assert state["quote"][0] == quote + size * f * price - fee
    assert state["insurance"] == 100 + fee and state["liquidations"] == 1
    left = state["quote"][0] + state["size"][0] * price
    assert left == F("0.05") * abs(state["size"][0]) * price  # exactly at maintenance
    assert round(float(left), 2) == 305.89 and round(float(fee), 2) == 18.31


def test_full_is_the_default_and_closes_everything() -> None:
    default = perp_isolated.build(accounts=1)
    assert [k.doc for k in default.keepers] == [
        k.doc for k in perp_isolated.build(accounts=1, liquidation="full").keepers
    ]
    state = _after("full")
    assert state["size"][0] == 0 and state["liquidations"] == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"liquidation": "half"}, "give one of full, partial"),
        ({"liquidation": "partial", "liquidation_fee": "0.05"}, "above liquidation_fee"),
        ({"liquidation": "partial", "liquidation_depth": "100000"}, "one maintenance tier"),
    ],
)
def test_partial_refuses_what_its_fraction_is_not_solved_for(kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ModelParameterError, match=message):
        perp_isolated.build(**kwargs)


def test_partial_verdicts_follow_the_gap_bound() -> None:
    """Safe exactly when maintenance_margin >= max_move: prove at the bound; past it the
    gap of the trace above (8% after a partial close at 5%) leaves bad debt."""
    safe = perp_isolated.build(
        accounts=1, liquidation="partial", max_move="0.05", maintenance_margin="0.05"
    )
    assert prove(safe, timeout=120).verdict == "PASS"
    gap = perp_isolated.build(name="p", accounts=1, liquidation="partial")
    trace = {**TRACE, "steps": [*TRACE["steps"], {"market": {"move": "0.08"}, "action": None}]}
    failure = replay(gap, from_json(trace)).first_failure
    assert failure is not None and failure.name == "solvent" and failure.step == 3
