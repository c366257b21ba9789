"""Isolated-margin linear perpetual with liquidation keepers and an insurance fund.

Accounting follows dYdX v4 (docs/models/sources.md A1), built from the shared blocks of
:mod:`solvent.models.blocks`: each account holds a quote
balance ``Q`` (collateral, may go negative) and a signed size ``S``; equity is
``Q + S * price``; the maintenance requirement is ``|S| * price * maintenance_margin``.
A trade at the mark price leaves equity unchanged; it must leave the account above its
initial requirement. Every step the keeper liquidates each account below maintenance at
the mark price: a fee of up to ``liquidation_fee`` of the notional (never more than the
remaining equity) goes to the insurance fund, the fund covers any deficit, and what it
cannot cover is written off as socialized bad debt.

Gap risk: an account may sit just above maintenance; one tick later it has lost up to
``max_move`` of its notional. With ``maintenance_margin >= max_move`` the loss never
exceeds the margin, so liquidations leave no deficit; below that, a gap of ``max_move``
after a smaller move creates bad debt the fund may not cover.
"""

from __future__ import annotations

from typing import Any

import solvent as sv
from solvent import Num, PerAccount, requires
from solvent.errors import ModelParameterError
from solvent.models import blocks
from solvent.models.validate import check_count, check_fraction, check_order, check_rate


def _tier2_setter(index: int) -> Any:
    """``--set tier2_boundary=X`` (and the rate, the amount): one entry of ``tier2``."""

    def put(kwargs: dict[str, Any], value: Any) -> dict[str, Any]:
        tier2 = list(kwargs["tier2"])
        tier2[index] = value
        return {**kwargs, "tier2": tuple(tier2)}

    return put


TIER2_PARAMS = ("tier2_boundary", "tier2_maintenance_margin", "tier2_maintenance_amount")


@sv.builder(setters={name: _tier2_setter(i) for i, name in enumerate(TIER2_PARAMS)})
def build(
    *,
    name: str = "perp-isolated",
    accounts: int = 3,
    initial_margin: Any = "0.10",
    maintenance_margin: Any = "0.05",
    liquidation_fee: Any = "0.01",
    insurance_fund: Any = "100",
    max_move: Any = "0.08",
    max_trade: Any = "50",
    start_price: Any = "2000",
    collateral: tuple[Any, Any] = ("0", "10000"),
    tier2: tuple[Any, Any, Any] | None = None,
    liquidation_depth: Any = None,
    max_leverage: Any = None,
) -> sv.Spec:
    """Build the isolated perpetual spec with the given parameters and envelope.

    ``tier2 = (boundary, rate, amount)`` adds a second maintenance tier in the style of
    Binance's leverage brackets: from ``boundary`` notional up, the requirement is
    ``notional * rate - amount`` (``amount`` makes it continuous at the boundary when it
    equals ``boundary * (rate - maintenance_margin)``).

    ``liquidation_depth`` (quote currency) adds liquidation price impact: closing a
    position of notional ``n`` moves its execution price against it by the fraction
    ``min(n / liquidation_depth, 1)`` (a linear book of that depth), so the account loses
    ``n * impact`` more than at the mark price. Without it (the default) liquidations
    execute at the mark price.

    ``max_leverage`` states the opening rule as a leverage cap instead of an initial margin:
    a trade or withdrawal must leave ``equity * max_leverage >= notional``, and the spec's
    parameter is ``max_leverage`` (``initial_margin`` is then ignored). Same rule as an
    initial margin of ``1 / max_leverage``, in the unit risk teams quote.
    """
    check_count("accounts", accounts)
    lev = None
    if max_leverage is not None:
        lev = check_fraction("max_leverage", max_leverage, positive=True)
        if lev < 1:
            raise ModelParameterError(
                f"parameter max_leverage = {max_leverage}: a leverage cap must be at least 1"
            )
        initial_margin = 1 / lev
    im = check_rate("initial_margin", initial_margin, positive=True)
    mm = check_rate("maintenance_margin", maintenance_margin, positive=True)
    check_order(
        "maintenance_margin",
        mm,
        "initial_margin" if lev is None else "1 / max_leverage",
        im,
        "a position opened at the initial margin would be liquidatable at once",
    )
    fee = check_rate("liquidation_fee", liquidation_fee)
    check_fraction("insurance_fund", insurance_fund, nonnegative=True)
    check_rate("max_move", max_move, positive=True, upper_open=True)
    check_fraction("max_trade", max_trade, positive=True)
    check_fraction("start_price", start_price, positive=True)
    tiers = None if tier2 is None else tuple(Num(x) for x in tier2)
    depth = None if liquidation_depth is None else Num(liquidation_depth)
    perp = sv.Spec(name, accounts=accounts)
    # class bodies cannot see enclosing names they also define, so read them from here
    im, mm, fee = Num(im), Num(mm), Num(fee)

    @perp.params
    class Params:
        if lev is None:
            initial_margin: Num = im
        else:
            max_leverage: Num = Num(lev)
        maintenance_margin: Num = mm
        liquidation_fee: Num = fee
        if tiers is not None:
            tier2_boundary: Num = tiers[0]
            tier2_maintenance_margin: Num = tiers[1]
            tier2_maintenance_amount: Num = tiers[2]
        if depth is not None:
            liquidation_depth: Num = depth

    @perp.state
    class State:
        price: Num = Num(start_price)
        insurance: Num = Num(insurance_fund)
        bad_debt: Num = Num("0")
        liquidations: Num = Num("0")
        quote: PerAccount[Num] = sv.within(*collateral)
        size: PerAccount[Num] = Num("0")

    @perp.envelope
    class Market:
        move: Num = sv.within(-Num(max_move), Num(max_move))

    def equity(s: Any, a: int) -> Any:
        return blocks.equity(s.quote[a], s.size[a], s.price)

    def notional(s: Any, a: int) -> Any:
        return blocks.notional(s.size[a], s.price)

    def requirement(s: Any, p: Any, a: int) -> Any:
        """Maintenance requirement: a rate of the notional (tiered when ``tier2`` is set)."""
        n = notional(s, a)
        if tiers is None:
            return blocks.requirement(n, p.maintenance_margin)
        return blocks.tiered_requirement(
            n,
            p.maintenance_margin,
            p.tier2_boundary,
            p.tier2_maintenance_margin,
            p.tier2_maintenance_amount,
        )

    def opening_rule(s: Any, p: Any, a: int) -> Any:
        """What a trade or withdrawal must leave: the initial margin (or the leverage cap)."""
        if lev is None:
            return equity(s, a) >= blocks.requirement(notional(s, a), p.initial_margin)
        return equity(s, a) * p.max_leverage >= notional(s, a)

    @perp.tick
    def mark(s: Any, m: Any) -> None:
        """The mark price moves by the envelope's per-step return."""
        s.price = s.price * (1 + m.move)

    @perp.action(qty=sv.within(-Num(max_trade), Num(max_trade)))
    def trade(s: Any, p: Any, a: int, qty: Any) -> None:
        """Account `a` buys (qty > 0) or sells at the mark price."""
        s.quote[a] = s.quote[a] - qty * s.price
        s.size[a] = s.size[a] + qty
        requires(opening_rule(s, p, a))

    @perp.action(amount=sv.within("0", collateral[1]))
    def withdraw(s: Any, p: Any, a: int, amount: Any) -> None:
        """Account `a` withdraws collateral it does not need for its initial margin."""
        s.quote[a] = s.quote[a] - amount
        requires(opening_rule(s, p, a))

    @perp.keeper(every_step=True)
    def liquidate(s: Any, p: Any, a: int) -> None:
        """Close an account below maintenance at the mark price; run the loss waterfall."""
        requires(equity(s, a) < requirement(s, p, a))
        e = equity(s, a)
        if depth is not None:  # static: built with or without price impact
            e = e - notional(s, a) * sv.minimum(notional(s, a) / p.liquidation_depth, 1)
        w = blocks.close_out(e, notional(s, a), p.liquidation_fee, s.insurance)
        s.insurance = s.insurance + w.fee - w.covered
        s.bad_debt = s.bad_debt + w.deficit - w.covered
        s.quote[a] = w.remaining
        s.size[a] = 0
        s.liquidations = s.liquidations + 1

    @perp.invariant
    def solvent(s: Any) -> Any:
        """Assets held cover all positive trader equity.

        Trades are zero-sum, so assets (deposits + insurance fund) cover every winner's
        equity exactly when no loser's deficit is left uncovered: no bad debt written off
        beyond the insurance fund, and no account below zero equity.
        """
        return (s.bad_debt <= 0) & sv.all_of(equity(s, a) >= 0 for a in s.accounts)

    @perp.lemma
    def price_positive(s: Any) -> Any:
        """The mark price stays positive (moves are bounded by the envelope)."""
        return s.price > 0

    @perp.lemma
    def insurance_nonnegative(s: Any) -> Any:
        """The insurance fund never pays out more than it holds."""
        return s.insurance >= 0

    @perp.lemma
    def healthy(s: Any, p: Any, a: int) -> Any:
        """After the keeper runs, every account meets its maintenance requirement."""
        return equity(s, a) >= requirement(s, p, a)

    @perp.witness
    def liquidation_happens(s: Any) -> Any:
        """Some account gets liquidated (else a proof could be vacuous)."""
        return s.liquidations > 0

    @perp.metric
    def account_equity(s: Any, p: Any, a: int) -> Any:
        return equity(s, a)

    @perp.metric
    def maintenance(s: Any, p: Any, a: int) -> Any:
        return requirement(s, p, a)

    if tiers is not None:

        @perp.witness
        def tier2_position(s: Any, p: Any) -> Any:
            """Some account holds a tier-2 position (else the second tier is never used)."""
            return sv.any_of(notional(s, a) >= p.tier2_boundary for a in s.accounts)

        @perp.metric
        def account_notional(s: Any, p: Any, a: int) -> Any:
            return notional(s, a)

    return perp
