"""Inverse (coin-margined) perpetual: USD contracts, margin and PnL in the coin.

Sources (docs/models/sources.md): A9 Bybit inverse contracts (PnL in coin
``contracts * (1/entry - 1/price)``; bankruptcy price with the taker fee to close:
5,718.57 in the published example), A8 Binance COIN-M (maintenance margin rate of the
position value in coin), A7 Deribit (inverse futures, incremental liquidation).

An account holds a coin balance and ``C`` USD contracts (``C > 0`` long). Its equity in
coin is ``balance + C/entry - C/price``. The model keeps the position as its coin value
``V = C / price`` and the coin ``quote = balance + C/entry``, so ``equity = quote - V``
(:func:`equity_of`); requirements are ``rate * |V|`` (in coin, at the mark). A price
move by ``r`` turns ``V`` into ``V / (1 + r)``.

The point of the model: coin-margined PnL is convex. A long loses ``|r| / (1 - |r|)`` of
its coin notional when the price falls by ``|r|`` (8.70% for an 8% drop), a short only
``r / (1 + r)`` when it rises (7.41% for 8%). The linear perp's safe rule "maintenance
margin >= largest move" is therefore *not* safe here: with keepers every step the
inverse perp is safe when ``maintenance_margin >= max_move / (1 - max_move)``.

Out of scope: funding (see ``perp_cross``), tiers, the taker fee in the liquidation
price, entry-price bookkeeping (only ``quote`` and ``V`` are needed for solvency).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import solvent as sv
from solvent import Num, PerAccount, requires
from solvent.models import blocks
from solvent.models.validate import (
    check_count,
    check_fraction,
    check_order,
    check_rate,
    margin_from_leverage,
)

DESCRIPTION = "inverse (coin-margined) perp: USD contracts, convex coin PnL, liquidation"


def _set_initial_margin(kwargs: dict[str, Any], value: Any) -> dict[str, Any]:
    """``--set initial_margin=X``: the spec's initial margin is ``1 / max_leverage``."""
    im = check_rate("initial_margin", value, positive=True)
    return {**kwargs, "max_leverage": 1 / im}


@sv.builder(setters={"initial_margin": _set_initial_margin})
def build(
    *,
    name: str = "perp-inverse",
    accounts: int = 3,
    max_leverage: Any = "10",
    maintenance_margin: Any = "0.09",
    liquidation_fee: Any = "0.005",
    insurance_fund: Any = "0.01",
    max_move: Any = "0.08",
    max_trade: Any = "10",
    start_price: Any = "8000",
    collateral: tuple[Any, Any] = ("0", "1"),
) -> sv.Spec:
    """Build the inverse perpetual; coin amounts (collateral, fund, trades) are in coin."""
    check_count("accounts", accounts)
    im = margin_from_leverage("max_leverage", max_leverage)
    mm = check_rate("maintenance_margin", maintenance_margin, positive=True)
    check_order(
        "maintenance_margin",
        mm,
        "initial margin 1/max_leverage",
        im,
        "a position opened at the maximum leverage would be liquidatable at once",
    )
    fee = check_rate("liquidation_fee", liquidation_fee)
    fund = check_fraction("insurance_fund", insurance_fund, nonnegative=True)
    lim = check_rate("max_move", max_move, positive=True, upper_open=True)
    top = check_fraction("max_trade", max_trade, positive=True)
    price0 = check_fraction("start_price", start_price, positive=True)
    lo = check_fraction("collateral (low end)", collateral[0], nonnegative=True)
    hi = check_fraction("collateral (high end)", collateral[1], nonnegative=True)

    perp = sv.Spec(name, accounts=accounts)

    @perp.params
    class Params:
        initial_margin: Num = im
        maintenance_margin: Num = mm
        liquidation_fee: Num = fee

    @perp.state
    class State:
        price: Num = price0
        insurance: Num = fund
        bad_debt: Num = Num("0")
        liquidations: Num = Num("0")
        quote: PerAccount[Num] = sv.within(lo, hi)
        coin_value: PerAccount[Num] = Num("0")

    @perp.envelope
    class Market:
        move: Num = sv.within(-lim, lim)

    def equity(s: Any, a: int) -> Any:
        return equity_of(s.quote[a], s.coin_value[a])

    def notional(s: Any, a: int) -> Any:
        return abs(s.coin_value[a])

    @perp.tick
    def mark(s: Any, m: Any) -> None:
        """The price moves by `move`; every position's coin value moves by 1/(1 + move)."""
        s.price = s.price * (1 + m.move)
        for a in s.accounts:
            s.coin_value[a] = s.coin_value[a] / (1 + m.move)

    @perp.action(value=sv.within(-top, top))
    def trade(s: Any, p: Any, a: int, value: Any) -> None:
        """Account `a` buys (value > 0) or sells contracts worth `value` coin at the mark."""
        s.quote[a] = s.quote[a] + value
        s.coin_value[a] = s.coin_value[a] + value
        requires(equity(s, a) >= blocks.requirement(notional(s, a), p.initial_margin))

    @perp.keeper(every_step=True)
    def liquidate(s: Any, p: Any, a: int) -> None:
        """Close an account below maintenance at the mark; fee, fund, then bad debt."""
        requires(equity(s, a) < blocks.requirement(notional(s, a), p.maintenance_margin))
        w = blocks.close_out(equity(s, a), notional(s, a), p.liquidation_fee, s.insurance)
        s.insurance = s.insurance + w.fee - w.covered
        s.bad_debt = s.bad_debt + w.deficit - w.covered
        s.quote[a] = w.remaining
        s.coin_value[a] = 0
        s.liquidations = s.liquidations + 1

    @perp.invariant
    def solvent(s: Any) -> Any:
        """No bad debt written off and no account below zero equity (in coin)."""
        return (s.bad_debt <= 0) & sv.all_of(equity(s, a) >= 0 for a in s.accounts)

    @perp.lemma
    def price_positive(s: Any) -> Any:
        """The price stays positive."""
        return s.price > 0

    @perp.lemma
    def insurance_nonnegative(s: Any) -> Any:
        """The fund never pays out more than it holds."""
        return s.insurance >= 0

    @perp.lemma
    def healthy(s: Any, p: Any, a: int) -> Any:
        """After the keeper, every account meets maintenance."""
        return equity(s, a) >= blocks.requirement(notional(s, a), p.maintenance_margin)

    @perp.witness
    def liquidation_happens(s: Any) -> Any:
        """Some account is liquidated."""
        return s.liquidations > 0

    @perp.metric
    def account_equity(s: Any, p: Any, a: int) -> Any:
        return equity(s, a)

    return perp


def equity_of(quote: Any, coin_value: Any) -> Any:
    """Coin equity ``quote - V`` with ``quote = balance + C/entry`` and ``V = C/price``."""
    return quote - coin_value


def safe_maintenance(max_move: Any) -> Fraction:
    """Smallest maintenance margin that covers a long's worst one-step coin loss."""
    m = Fraction(max_move)
    return m / (1 - m)
