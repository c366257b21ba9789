"""The mechanics modules added for the incident gallery: the oracle block, the liquidation
blocks (known answers by hand), and the vault-as-counterparty frontier against its closed
form ``1 / oi_cap``."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from solvent.check.frontier import frontier
from solvent.check.probes import ProbeOptions
from solvent.models import blocks, liquidation, oracle, vault_counterparty
from solvent.models.option_pricing import black_scholes


def test_oracle_deviation_is_bounded_per_step_and_in_total() -> None:
    assert oracle.next_deviation(F(0), F("0.5"), F(3)) == F("0.5")
    assert oracle.next_deviation(F("2.8"), F("0.5"), F(3)) == 3
    assert oracle.next_deviation(F("-2.8"), F("-0.5"), F(3)) == -3
    assert oracle.oracle_price(F(2), F("0.5")) == 3
    assert oracle.worse_price(F(1), F("1.5"), F(1)) == 1  # a long: the lower price
    assert oracle.worse_price(F(-1), F("1.5"), F(1)) == F("1.5")  # a short: the higher


def test_partial_close_restores_maintenance_exactly() -> None:
    # notional 1000, equity 40, mm 5%, no penalty: close 20% (rest 800 needs 40)
    f = liquidation.partial_close_fraction(F(40), F(1000), F("0.05"))
    assert f == F("0.2")
    # with a 1% penalty: 50 - 40 = 10 = f * 1000 * (0.05 - 0.01) -> f = 0.25
    f = liquidation.partial_close_fraction(F(40), F(1000), F("0.05"), F("0.01"))
    assert f == F("0.25") and F(40) - f * 1000 * F("0.01") == (1 - f) * 1000 * F("0.05")
    assert liquidation.partial_close_fraction(F(60), F(1000), F("0.05")) == 0
    assert liquidation.partial_close_fraction(F(-5), F(1000), F("0.05")) == 1


def test_crowded_impact_charges_what_came_before() -> None:
    alone = liquidation.crowded_impact(F(0), F(1000), F(50000))
    second = liquidation.crowded_impact(F(1000), F(1000), F(50000))
    assert (alone, second) == (F("0.02"), F("0.04"))
    assert liquidation.crowded_impact(F(60000), F(1000), F(50000)) == 1


def test_adl_ranks_by_profit_times_leverage_and_reduces_the_position() -> None:
    # account 0: pnl 10 on equity 100, notional 1000 -> 0.1 * 10 = 1
    # account 1: pnl 50 on equity 100, notional 500 -> 0.5 * 5 = 2.5
    # account 2: a loser; account 3: pnl 20, equity 50, notional 1000 -> 0.4 * 20 = 8
    order = liquidation.adl_rank([F(10), F(50), F(-5), F(20)], [F(100)] * 3 + [F(50)],
                                 [F(1000), F(500), F(800), F(1000)])  # fmt: skip
    assert order == [3, 1, 0]
    size, quote, covered = liquidation.adl_take(F(10), F(100), F(-900), F(25))
    # equity 100; 25 taken (a quarter): a quarter of the position closed at 100
    assert (size, quote, covered) == (F("7.5"), F(-900) + F(250) - 25, 25)
    assert quote + size * 100 == 75  # leverage 1000/100 = 750/75 unchanged
    assert liquidation.adl_take(F(10), F(100), F(-900), F(500))[0] == 0  # all of it


@pytest.mark.parametrize("cap", ["5", "4"])
def test_vault_frontier_is_one_over_the_cap(cap: str) -> None:
    spec = vault_counterparty.build(oi_cap=cap, max_trade="20000")
    expected = vault_counterparty.largest_move(cap)
    assert expected == 1 / F(cap)
    result = frontier(spec, "move", options=ProbeOptions(timeout=120), checks=0)
    assert result.status == "found" and result.safe == expected
    assert result.unsafe is not None and expected < result.unsafe <= expected + result.tol


def test_bybit_liquidation_price_with_maintenance_at_entry() -> None:
    # reference/derivatives.md A9: long 1 BTC at 20,000, 50x, MMR 0.5%: IM 400, MM 100
    assert liquidation.liquidation_price_mm_at_entry(20000, 1, 50, "0.005") == 19700
    assert liquidation.liquidation_price_mm_at_entry(20000, -1, 50, "0.005") == 20300
    # the other convention (maintenance at the liquidation price) with the same inputs
    other = blocks.liquidation_price(400, 1, 20000, F("0.005"))
    assert round(other, 2) == F("19698.49") and other != 19700


def test_black_scholes_is_exact_where_the_value_is_rational() -> None:
    at_expiry = black_scholes("call", "2100", "2000", "0.05", "0", "0", "0.5")
    assert isinstance(at_expiry, F) and at_expiry == 100
    no_vol = black_scholes("put", "1900", "2000", "0", "0", "0.5", "0")
    assert isinstance(no_vol, F) and no_vol == 100
    assert isinstance(black_scholes("call", "42", "40", "0.10", "0", "0.5", "0.20"), float)
