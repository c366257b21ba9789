"""insurance-waterfall's ADL orders (issue 17 point 3) replayed: ``adl_order="ranked"``
charges winners ranked by profit x leverage and shrinks their positions (the blocks'
known answers, dYdX's example included, are in test_adl.py); the default account order
charges value and keeps positions."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from solvent.check.replay import replay
from solvent.engine.trace import from_json
from solvent.errors import ModelParameterError
from solvent.models import insurance_waterfall

# account 0 shorts 5 at 2000 (equity 1000), 1 buys 2, 2 buys 4; +4% then +8% bankrupts 0
TRACE = {
    "#meta": {"format": "solvent-trace", "version": 1, "spec": "w", "accounts": 3},
    "init": {"price": "2000", "insurance": "0", "market_cash": "0", "deposits": "3000",
             "unassigned": "0", "adl_paid": "0", "haircut": "0", "liquidations": "0",
             "quote": ["1000"] * 3, "size": ["0"] * 3, "deposit": ["1000"] * 3},
    "steps": [
        {"market": {"move": "0"}, "action": {"name": "trade", "accounts": [0], "args": {"qty": "-5"}}},
        {"market": {"move": "0"}, "action": {"name": "trade", "accounts": [1], "args": {"qty": "2"}}},
        {"market": {"move": "0"}, "action": {"name": "trade", "accounts": [2], "args": {"qty": "4"}}},
        {"market": {"move": "0.04"}, "action": None},
        {"market": {"move": "0.08"}, "action": None},
    ],
}  # fmt: skip


def test_waterfall_deleverages_the_top_ranked_winner_and_shrinks_its_position() -> None:
    spec = insurance_waterfall.build(name="w", accounts=3, insurance_fund="0", adl_order="ranked")
    result = replay(spec, from_json(TRACE))
    assert result.first_failure is None
    last = result.records[-1].state
    price = F(2000) * F("1.04") * F("1.08")  # 2246.4
    deficit = -(F(1000) + 5 * F(2000) - 5 * price)  # account 0's equity is -232
    assert deficit == F("232.0")
    # profit x leverage: account 1 (pnl 492.8 on 1492.8, notional 4492.8) ranks below
    # account 2 (pnl 985.6 on 1985.6, notional 8985.6), so account 2 pays it all
    e1, e2 = F(1000) + 2 * (price - 2000), F(1000) + 4 * (price - 2000)
    assert (e1 - 1000) * 2 * price / e1**2 < (e2 - 1000) * 4 * price / e2**2
    assert last["size"][1] == 2 and last["quote"][1] == 1000 - 2 * 2000  # untouched
    kept = 1 - deficit / e2
    assert last["size"][2] == 4 * kept  # the same fraction of its position as of equity
    assert last["quote"][2] + last["size"][2] * price == e2 - deficit > 0
    assert last["adl_paid"] == deficit and last["haircut"] == 0
    assert last["size"][0] == 0 and last["quote"][0] == 0


def test_the_default_account_order_charges_the_first_winner_and_keeps_its_position() -> None:
    """The same gap with ``adl_order="account"`` (the default): account 1 comes first and
    pays the whole deficit out of its equity, keeping its position; account 2 is untouched.
    The ranked order above charges account 2 instead: the two orders differ here."""
    spec = insurance_waterfall.build(name="w", accounts=3, insurance_fund="0")
    trace = {**TRACE, "init": {k: v for k, v in TRACE["init"].items() if k != "deposit"}}
    result = replay(spec, from_json(trace))
    assert result.first_failure is None
    last = result.records[-1].state
    deficit = F("232.0")
    assert last["size"][1] == 2 and last["quote"][1] == 1000 - 2 * 2000 - deficit
    assert last["size"][2] == 4 and last["quote"][2] == 1000 - 4 * 2000
    assert last["adl_paid"] == deficit


def test_an_unknown_adl_order_is_refused() -> None:
    with pytest.raises(ModelParameterError, match="adl_order"):
        insurance_waterfall.build(adl_order="fifo")
