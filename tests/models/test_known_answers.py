"""Known-answer tests: the models' own rules reproduce reference/derivatives.md to the cent.

Each test evaluates the functions the models use (solvent.models.blocks and the models'
module-level rules) on exact numbers and compares them with a published worked example;
the section of derivatives.md is cited in each test.
"""

from __future__ import annotations

from fractions import Fraction as F

from solvent.models import blocks, perp_cross


def cents(q: F) -> F:
    """Round half away from zero to the cent, as the venues print their results."""
    scaled = abs(q) * 100
    whole = int(scaled + F(1, 2))
    return F(whole if q >= 0 else -whole, 100)


def test_dydx_isolated_liquidation_price() -> None:
    """A1 dYdX: e = 1000, s = -3 ETH, p = 3000, MMF 5% -> p' = 3174.60; equity there 476.2."""
    e, s, p, mmf = F(1000), F(-3), F(3000), F("0.05")
    liq = blocks.liquidation_price(e, s, p, mmf)
    assert cents(liq) == F("3174.60")
    quote = e - s * p  # the quote balance behind that equity
    at_liq = blocks.equity(quote, s, liq)
    assert at_liq == blocks.requirement(blocks.notional(s, liq), mmf)  # exactly at maintenance
    assert cents(at_liq) == F("476.19")  # published as 476.2
    # the cross model's rules agree (one position: cross = isolated)
    assert perp_cross.equity_of(quote, s * liq, 0) == perp_cross.requirement_of(s * liq, 0, mmf, 0)


def test_dydx_cross_liquidation_price() -> None:
    """A1 dYdX: e = 1000, short 1.5 ETH @3000 (MMF 5%), long 1000 STRK @1.75 (MMF 10%):
    MMR_o = 175 and p' = 5325 / 1.575 = 3380.95."""
    strk_value, mmf_eth, mmf_strk = F(1000) * F("1.75"), F("0.05"), F("0.10")
    assert blocks.requirement(strk_value, mmf_strk) == 175
    liq = blocks.liquidation_price(1000, F("-1.5"), 3000, mmf_eth, other_requirement=175)
    assert liq == F(5325) / F("1.575")
    assert cents(liq) == F("3380.95")
    quote = F(1000) - F("-1.5") * 3000 - strk_value  # equity 1000 at p = 3000
    assert perp_cross.equity_of(quote, F("-1.5") * 3000, strk_value) == 1000
    eq = perp_cross.equity_of(quote, F("-1.5") * liq, strk_value)
    assert eq == perp_cross.requirement_of(F("-1.5") * liq, strk_value, mmf_eth, mmf_strk)
    above = F("3380.96")  # one cent higher: below maintenance, liquidatable
    assert perp_cross.equity_of(quote, F("-1.5") * above, strk_value) < perp_cross.requirement_of(
        F("-1.5") * above, strk_value, mmf_eth, mmf_strk
    )


def test_dydx_insurance_fund_example() -> None:
    """A1 dYdX: long 500 @ $1 with $100, MMF 3%; at $0.801 equity is $0.50 (below MMR);
    filled at $0.77: PnL -$115 and the insurance fund contributes $15."""
    quote, size = F(100) - 500, F(500)
    assert blocks.equity(quote, size, F("0.801")) == F("0.5")
    assert blocks.equity(quote, size, F("0.801")) < blocks.requirement(
        blocks.notional(size, F("0.801")), F("0.03")
    )
    fill = F("0.77")
    assert size * (fill - 1) == -115
    w = blocks.close_out(
        blocks.equity(quote, size, fill), blocks.notional(size, fill), F("0.015"), insurance=F(1000)
    )
    assert (w.fee, w.deficit, w.covered, w.uncovered) == (0, 15, 15, 0)


def test_dydx_liquidation_fee_capped_by_leftover_collateral() -> None:
    """A1 dYdX: fee = min(1.5% x quote received, leftover collateral above bankruptcy)."""
    w = blocks.close_out(F(10), F(1000), F("0.015"), insurance=F(0))
    assert (w.fee, w.remaining) == (10, 0)
    w = blocks.close_out(F(100), F(1000), F("0.015"), insurance=F(0))
    assert (w.fee, w.remaining) == (15, 85)


def test_dydx_funding_cap() -> None:
    """A1 dYdX: 8h cap = 600% x (IMF - MMF); BTC 5% / 3% gives 12%."""
    assert blocks.dydx_funding_cap("0.05", "0.03") == F("0.12")


def test_hyperliquid_isolated_liquidation_price() -> None:
    """A2 Hyperliquid [DERIVED]: long 1 BTC @ 100,000 at 40x, margin 2,500, MM 1.25%:
    liq = 100000 - 1250 / (1 - 0.0125) = 98,734.18, where equity = MM = 1,234.18."""
    liq = blocks.liquidation_price(2500, 1, 100000, F("0.0125"))
    assert cents(liq) == F("98734.18")
    assert liq == 100000 - F(1250) / (1 - F("0.0125"))
    mm = blocks.requirement(blocks.notional(1, liq), F("0.0125"))
    assert cents(mm) == F("1234.18") and blocks.equity(2500 - 100000, 1, liq) == mm


def test_hyperliquid_btc_margin_tiers() -> None:
    """A2 Hyperliquid [DERIVED]: mmr 1.25% to 150M, 2.5% above; deduction 1.875M;
    MM at 200M = 3.125M; at exactly 150M both tiers give 1.875M."""
    amount = blocks.tier_amount(150_000_000, F("0.0125"), F("0.025"))
    assert amount == 1_875_000
    mm = blocks.tiered_requirement(F(200_000_000), F("0.0125"), 150_000_000, F("0.025"), amount)
    assert mm == 3_125_000
    lower = blocks.requirement(F(150_000_000), F("0.0125"))
    upper = F(150_000_000) * F("0.025") - amount
    assert lower == upper == 1_875_000


def test_binance_isolated_liquidation_price() -> None:
    """A8 Binance [DERIVED]: long 1 BTC @ 10,000, WB 1,000, MMR 0.4% -> LP 9,036.14,
    where equity = MM = 36.14."""
    liq = blocks.liquidation_price(1000, 1, 10000, F("0.004"))
    assert cents(liq) == F("9036.14")
    assert cents(blocks.equity(1000 - 10000, 1, liq)) == F("36.14")


def test_binance_maintenance_amount_cumulates() -> None:
    """A8 Binance: cum(n) = floor(n) x (MMR_n - MMR_(n-1)) + cum(n-1); level 3 of
    BTCUSDT (0.4% / 0.5% / 1% at 50k / 250k) = 250,000 x (1% - 0.5%) + 50 = 1,300."""
    level2 = blocks.tier_amount(50_000, F("0.004"), F("0.005"))
    assert level2 == 50
    assert blocks.tier_amount(250_000, F("0.005"), F("0.01")) + level2 == 1300


def test_bybit_example_shows_the_maintenance_convention() -> None:
    """A9 Bybit: long 1 BTC @ 20,000, 50x, MMR 0.5% -> LP 19,700 with MM at the *entry*
    value; the models evaluate MM at the mark (dYdX/Binance), which gives 19,698.49
    (the [DERIVED] figure of A9)."""
    im, mm_entry = F(20000) / 50, F(20000) * F("0.005")
    assert (im, mm_entry) == (400, 100)
    assert 20000 - (im - mm_entry) / 1 == 19700  # Bybit's own formula
    assert cents(blocks.liquidation_price(im, 1, 20000, F("0.005"))) == F("19698.49")


def test_drift_liquidation_example() -> None:
    """A4 Drift: deposit 500 USDC, long 200 SOL @ $25 (10x), MMR 5%: at $23.6825 the
    collateral is 236.5 < MM 236.8 (236.825), so the account is liquidatable."""
    quote, size, price = F(500) - 200 * 25, F(200), F("23.6825")
    assert blocks.equity(quote, size, price) == F("236.5")
    mm = blocks.requirement(blocks.notional(size, price), F("0.05"))
    assert mm == F("236.825")
    assert blocks.equity(quote, size, price) < mm


def test_bybit_inverse_bankruptcy_price() -> None:
    """A9 Bybit inverse: balance 0.5 BTC, long 10,000 contracts @ 8,000, taker 0.075%:
    bankruptcy price 5,718.57."""
    bp = blocks.inverse_bankruptcy_price(F("0.5"), 10000, 8000, F("0.00075"))
    assert cents(bp) == F("5718.57")
    # at that price the coin equity pays exactly the taker fee to close
    assert blocks.inverse_equity(F("0.5"), 10000, 8000, bp) == F("0.00075") * 10000 / bp


def test_inverse_model_matches_the_coin_pnl_formula_and_its_convexity() -> None:
    """A9 Bybit inverse: coin equity balance + C/entry - C/price; the model's
    quote - V with quote = balance + C/entry and V = C/price is the same number, and an
    8% drop costs a long 8.70% of its coin notional, an 8% rise a short only 7.41%."""
    from solvent.models import perp_inverse

    balance, c, entry = F("0.5"), F(10000), F(8000)
    for price in (F(8000), F("5718.57"), F(9000)):
        quote, value = balance + c / entry, c / price
        assert perp_inverse.equity_of(quote, value) == blocks.inverse_equity(
            balance, c, entry, price
        )
    v = F(1)
    long_loss = v / (1 - F("0.08")) - v  # coin value grows as the price falls
    short_loss = v - v / (1 + F("0.08"))
    assert cents(100 * long_loss) == F("8.70") and cents(100 * short_loss) == F("7.41")
    assert perp_inverse.safe_maintenance("0.08") == long_loss


def test_gmx_price_impact_readme_example() -> None:
    """A3 GMX v2 README: e = 2, f = 0.01/50,000; a balanced pool pushed to a $50k
    imbalance pays $500; bringing it back to $25k earns $375."""
    from solvent.models.perp_pool import gmx_price_impact

    f = F("0.01") / 50000
    assert gmx_price_impact(0, 50000, f) == -500
    assert gmx_price_impact(50000, 25000, f) == 375
