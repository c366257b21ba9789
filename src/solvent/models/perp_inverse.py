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
from solvent.models import blocks_perp as shared
from solvent.models.params import Knobs, count, ends, number, rate, takes
from solvent.models.validate import check_rate, margin_from_leverage

DESCRIPTION = "inverse (coin-margined) perp: USD contracts, convex coin PnL, liquidation"


def _set_initial_margin(kwargs: dict[str, Any], value: Any) -> dict[str, Any]:
    """``--set initial_margin=X``: the spec's initial margin is ``1 / max_leverage``."""
    im = check_rate("initial_margin", value, positive=True)
    return {**kwargs, "max_leverage": 1 / im}


@sv.builder(setters={"initial_margin": _set_initial_margin})
@takes(
    name="perp-inverse",
    accounts=count(3),
    max_leverage="10",
    maintenance_margin=rate("0.09", positive=True),
    liquidation_fee=rate("0.005"),
    insurance_fund=number("0.01", nonnegative=True),
    max_move=rate("0.08", positive=True, upper_open=True),
    max_trade=number("10", positive=True),
    start_price=number("8000", positive=True),
    collateral=ends(("0", "1")),
)
def build(k: Knobs) -> sv.Spec:
    """Build the inverse perpetual; coin amounts (collateral, fund, trades) are in coin."""
    im = margin_from_leverage("max_leverage", k.max_leverage)
    _, mm = shared.check_margins(
        im,
        k.maintenance_margin,
        initial_label="initial margin 1/max_leverage",
        why="a position opened at the maximum leverage would be liquidatable at once",
    )
    fee, fund = k.liquidation_fee, k.insurance_fund
    lim, top, price0, (lo, hi) = k.max_move, k.max_trade, k.start_price, k.collateral

    perp = sv.Spec(k.name, accounts=k.accounts)

    shared.margin_params(perp, im, mm)

    @perp.params
    class Params:
        liquidation_fee: Num = fee

    shared.perp_book(perp, price0, fund)

    @perp.state
    class Accounts:
        quote: PerAccount[Num] = sv.within(lo, hi)
        coin_value: PerAccount[Num] = Num("0")

    shared.move_envelope(perp, lim)

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

    def maintenance(s: Any, p: Any, a: int) -> Any:
        return blocks.requirement(notional(s, a), p.maintenance_margin)

    shared.liquidation_keeper(perp, equity, notional, maintenance, position="coin_value")
    shared.perp_claims(perp, equity, maintenance)

    return perp


def equity_of(quote: Any, coin_value: Any) -> Any:
    """Coin equity ``quote - V`` with ``quote = balance + C/entry`` and ``V = C/price``."""
    return quote - coin_value


def safe_maintenance(max_move: Any) -> Fraction:
    """Smallest maintenance margin that covers a long's worst one-step coin loss."""
    m = Fraction(max_move)
    return m / (1 - m)
