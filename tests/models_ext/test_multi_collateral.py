"""Tests of the multi-collateral model (issue 6, item 6): parameter rules, closed forms,
and that the closed-form safe haircut is tight (proved at it, broken just below it).

Source for the known answers: reference/derivatives.md A2 (Hyperliquid portfolio margin:
``liquidation_threshold = 0.5 + 0.5 * LTV``; LTV BTC 0.5, HYPE 0.65).
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from solvent.check.bmc import bmc
from solvent.check.induction import prove
from solvent.errors import ModelParameterError
from solvent.models import multi_collateral as mc


def test_hyperliquid_liquidation_thresholds() -> None:
    # A2: threshold = 0.5 + 0.5 * LTV; BTC LTV 0.5 -> 0.75, HYPE LTV 0.65 -> 0.825
    assert mc.hyperliquid_liquidation_threshold("0.5") == Fraction(3, 4)
    assert mc.hyperliquid_liquidation_threshold("0.65") == Fraction(825, 1000)


def test_safe_haircut_closed_forms() -> None:
    # quote debt: 1 - 0.95^2 * (1 - 10/200) / 1.01
    assert mc.safe_haircut("0.05", "0.01", "10", "200") == 1 - Fraction(95, 100) ** 3 / Fraction(
        101, 100
    )
    assert round(float(mc.safe_haircut("0.05", "0.01", "10", "200")), 4) == 0.1511
    # debt in B, divergence 1% and 5% per step (the two examples)
    assert (
        round(float(mc.safe_haircut_correlated("0.01", "0.08", "0.01", "10", "200")), 4) == 0.0889
    )
    assert (
        round(float(mc.safe_haircut_correlated("0.05", "0.08", "0.01", "10", "200")), 4) == 0.1673
    )


def test_liquidation_proceeds_on_a_linear_book() -> None:
    # the oracle-lag example: 10 A sold at 1805 into a book of depth 200 -> 5% impact
    assert mc.liquidation_proceeds(Fraction(10), Fraction(1805), Fraction(200)) == Fraction(
        171475, 10
    )


def _one_account(haircut: str, **kw: str) -> object:
    return mc.build(
        accounts=1, initial_haircut_a=haircut, maintenance_haircut_a=haircut, supply_cap_b="1", **kw
    )


def test_safe_haircut_is_tight_for_a_quote_debt() -> None:
    """At 0.152 (just above 0.15111) prove passes; at 0.150 bmc finds bad debt."""
    proved = prove(_one_account("0.152"), timeout=120)
    assert proved.verdict == "PASS", proved.message
    broken = bmc(_one_account("0.150"), 3, timeout=120)
    assert broken.verdict == "FAIL", broken.message


def test_divergence_bound_is_what_makes_the_correlated_loan_safe() -> None:
    emode = dict(debt_asset="b", max_borrow="1000", max_divergence="0.01")
    assert prove(_one_account("0.09", **emode), timeout=120).verdict == "PASS"
    wide = {**emode, "max_divergence": "0.05"}
    assert bmc(_one_account("0.09", **wide), 3, timeout=120).verdict == "FAIL"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"maintenance_haircut_a": "1.5"}, "maintenance_haircut_a = 1.5"),
        ({"initial_haircut_b": "-0.1"}, "initial_haircut_b"),
        ({"maintenance_haircut_a": "0.3"}, "exceeds initial_haircut_a"),
        ({"supply_cap_a": "200"}, "supply_cap_a = 200 must be below depth_a"),
        ({"oracle_deviation": "1"}, "oracle_deviation"),
        ({"max_divergence": "-0.01"}, "max_divergence"),
        ({"debt_asset": "eth"}, "debt_asset"),
        ({"depth_b": "0"}, "depth_b"),
        ({"accounts": 0}, "accounts"),
    ],
)
def test_parameters_are_validated(kwargs: dict, message: str) -> None:
    with pytest.raises(ModelParameterError, match=message) as info:
        mc.build(**kwargs)
    assert info.value.code == "SV801"
