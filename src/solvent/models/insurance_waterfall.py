"""Loss waterfall: liquidated collateral -> insurance fund -> ADL -> socialized loss.

Sources (docs/models/sources.md): A1 dYdX (fee to the insurance fund; deleveraging of
opposite positions at the bankruptcy price once an account is negative), A2 Hyperliquid
(ADL ranked by profit and leverage), A4 Drift (insurance fund up to a cap, then loss
socialized pro rata), A8 Binance (insurance fund, then ADL queue ranked by profit x
leverage, closed at the bankruptcy price), C (Paradex: socialized loss as a haircut
while the fund is short), A10 (cross-venue summary).

Accounts trade a linear perp with the outside market at the mark price (as in
``perp_isolated``); the market is the counterparty of every position and its cash is
tracked (``market_cash``). Every step the keeper closes each account below maintenance at
the mark, and its negative equity (the *deficit*) goes down the waterfall:

1. liquidated collateral: the account's own equity, minus the liquidation fee (to the fund);
2. the insurance fund, as far as it holds;
3. auto-deleveraging (``adl=True``): profitable accounts holding the *opposite* side pay,
   each up to its positive equity. With ``adl_order="account"`` (the default) they pay in
   account order and are charged value (ADL at the bankruptcy price moves exactly this
   value from them to the bankrupt account; the position stays). With
   ``adl_order="ranked"`` they are ranked as venues do, by profit x leverage
   (``pnl/equity * notional/equity``, the Binance/Bybit queue, A8; Hyperliquid ranks by PnL
   x leverage too, A2), and each closes the same fraction of its position at the mark
   (``liquidation.adl_take``): a deleveraged winner keeps the rest of its position with the
   rest of its equity at unchanged leverage. Profit is equity minus the account's deposit
   (the ghost per-account field ``deposit``). The ranked order costs the solver more: the
   default keeps the account order, whose value charged is the same when one winner pays;
4. the last layer: ``"haircut"`` reduces what the winning counterparty (the market) is
   paid, i.e. a socialized loss on the winners' claim; ``"write_off"`` (the bug) sets the
   account to zero without charging anyone.

Invariants: ``conserves_value`` -- cash is neither created nor destroyed: the accounts'
quote balances, the fund and the market's cash always sum to the initial deposits;
``bad_debt_assigned`` -- every deficit has been charged to some layer (nothing written
off); ``no_negative_equity`` -- after the keeper no account is below zero;
``insurance_nonnegative``. With the write-off, a gap larger than the margin leaves a
deficit the fund cannot pay and ``bmc`` finds both invariants broken.

Simplifications (out of scope): the ranked ADL closes the winner's position at the mark
against the market (a venue matches it with the bankrupt position at the bankruptcy price:
the value moved is the same); partial fills, price impact, per-market funds.
"""

from __future__ import annotations

from typing import Any

import solvent as sv
from solvent import Num, PerAccount, maximum, minimum, requires, when
from solvent.models import blocks, fields, liquidation
from solvent.models import blocks_perp as shared
from solvent.models.params import PERP, Knobs, takes
from solvent.models.validate import check_count, check_ends, refuse

DESCRIPTION = "loss waterfall: collateral -> insurance fund -> ADL -> socialized haircut"
LAST_LAYERS = ("haircut", "write_off")
ADL_ORDERS = ("account", "ranked")


@sv.builder
@takes(
    name="insurance-waterfall",
    accounts=3,
    **PERP,
    adl=True,
    last_layer="haircut",
    adl_order="account",
)
def build(k: Knobs) -> sv.Spec:
    """Build the waterfall spec (see the module docstring for the rules and invariants)."""
    check_count("accounts", k.accounts, minimum=2)
    im, mm = shared.check_margins(k.initial_margin, k.maintenance_margin)
    fee, fund = k.liquidation_fee, k.insurance_fund
    lim, top, price0 = k.max_move, k.max_trade, k.start_price
    lo, hi = check_ends("collateral", k.collateral)
    if k.last_layer not in LAST_LAYERS:
        raise refuse(
            f"parameter last_layer = {k.last_layer!r}: must be one of {', '.join(LAST_LAYERS)}"
        )
    if not isinstance(k.adl, bool):
        raise refuse(f"parameter adl = {k.adl!r}: must be True or False")
    if k.adl_order not in ADL_ORDERS:
        raise refuse(
            f"parameter adl_order = {k.adl_order!r}: must be one of {', '.join(ADL_ORDERS)}"
        )
    ranked = k.adl and k.adl_order == "ranked"

    total = hi * k.accounts + fund
    spec = sv.Spec(k.name, accounts=k.accounts)

    shared.margin_params(spec, im, mm)

    fields.params(spec, liquidation_fee=Num(fee), insurance_fund=Num(fund))
    fields.state(spec, price=Num(price0), insurance=Num(fund), market_cash=Num("0"))
    fields.state(spec, deposits=sv.within(0, total))  # ghost: the initial cash, by `initial`
    fields.state(spec, **fields.zeros("unassigned adl_paid haircut liquidations"))

    shared.account_fields(spec, sv.within(lo, hi), Num("0"))

    if ranked:  # ADL ranks winners by their profit: equity minus what they deposited

        @spec.state
        class Ghosts:
            deposit: PerAccount[Num] = sv.within(lo, hi)  # ghost: fixed by `initial`

    shared.move_envelope(spec, lim)

    def equity(s: Any, a: int) -> Any:
        return blocks.equity(s.quote[a], s.size[a], s.price)

    def notional(s: Any, a: int) -> Any:
        return blocks.notional(s.size[a], s.price)

    def cash(s: Any) -> Any:
        return sv.sum(s.quote[a] for a in s.accounts) + s.insurance + s.market_cash

    @spec.initial
    def deposits_recorded(s: Any, p: Any) -> Any:
        """The ghost `deposits` holds the initial cash of accounts and fund (and `deposit`,
        with the ranked ADL, each account's)."""
        if not ranked:
            return s.deposits == cash(s)
        return (s.deposits == cash(s)) & sv.all_of(s.deposit[a] == s.quote[a] for a in s.accounts)

    shared.mark_tick(spec)

    @spec.action(qty=sv.within(-top, top))
    def trade(s: Any, p: Any, a: int, qty: Any) -> None:
        """Account `a` buys (qty > 0) or sells from the market at the mark."""
        s.quote[a] = s.quote[a] - qty * s.price
        s.market_cash = s.market_cash + qty * s.price
        s.size[a] = s.size[a] + qty
        requires(equity(s, a) >= blocks.requirement(notional(s, a), p.initial_margin))

    @spec.keeper(every_step=True)
    def liquidate(s: Any, p: Any, a: int) -> None:
        """Close an account below maintenance at the mark and run the loss waterfall."""
        requires(equity(s, a) < blocks.requirement(notional(s, a), p.maintenance_margin))
        side = s.size[a]
        # 1. close at the mark: the market buys the position back, the account holds cash
        s.market_cash = s.market_cash - side * s.price
        s.quote[a] = s.quote[a] + side * s.price
        s.size[a] = 0
        w = blocks.close_out(
            s.quote[a], blocks.notional(side, s.price), p.liquidation_fee, s.insurance
        )
        # 2. the fee goes to the fund; the fund covers the deficit as far as it holds
        s.insurance = s.insurance + w.fee - w.covered
        left = w.uncovered
        # 3. ADL: profitable opposite accounts pay (in account order, or ranked by profit x
        #    leverage, each closing the same fraction of its position at the mark)
        if ranked:
            left = deleverage(s, a, side, left)
        elif k.adl:
            for b in s.accounts:
                if b == a:
                    continue
                opposite = when(side > 0, s.size[b] < 0, s.size[b] > 0)
                take = when(opposite, minimum(left, maximum(equity(s, b), 0)), Num(0))
                s.quote[b] = s.quote[b] - take
                s.adl_paid = s.adl_paid + take
                left = left - take
        # 4. the last layer
        if k.last_layer == "haircut":
            s.market_cash = s.market_cash - left
            s.haircut = s.haircut + left
        else:
            s.unassigned = s.unassigned + left
        s.quote[a] = w.remaining
        s.liquidations = s.liquidations + 1

    def deleverage(s: Any, a: int, side: Any, left: Any) -> Any:
        """Charge ``left`` to the opposite winners in ADL order; what none could pay."""
        others = [b for b in s.accounts if b != a]
        eq = [equity(s, b) for b in others]
        pnl = [eq[i] - s.deposit[b] for i, b in enumerate(others)]
        eligible = [
            when(side > 0, s.size[b] < 0, s.size[b] > 0) & (eq[i] > 0) & (pnl[i] > 0)
            for i, b in enumerate(others)
        ]
        notionals = [notional(s, b) for b in others]
        shares = liquidation.adl_shares(left, eligible, pnl, eq, notionals)
        for b, take in zip(others, shares, strict=True):
            size, quote, paid = liquidation.adl_take(s.size[b], s.price, s.quote[b], take)
            # the market buys the closed part back at the mark: the cash b receives for it
            s.market_cash = s.market_cash - (quote - s.quote[b] + paid)
            s.size[b], s.quote[b] = size, quote
            s.adl_paid = s.adl_paid + paid
            left = left - paid
        return left

    @spec.invariant
    def conserves_value(s: Any) -> Any:
        """Cash is neither created nor lost: accounts + fund + market = initial deposits."""
        return cash(s) == s.deposits

    @spec.invariant
    def bad_debt_assigned(s: Any) -> Any:
        """Every deficit was charged to the fund, an ADL counterparty or the winners."""
        return s.unassigned <= 0

    @spec.invariant
    def no_negative_equity(s: Any) -> Any:
        """After the keeper, no account is left below zero."""
        return sv.all_of(equity(s, a) >= 0 for a in s.accounts)

    shared.insurance_nonnegative(spec)
    shared.price_positive(spec)

    @spec.lemma
    def unassigned_nonnegative(s: Any) -> Any:
        """Write-offs only accumulate."""
        return s.unassigned >= 0

    @spec.witness
    def adl_happens(s: Any) -> Any:
        """A profitable opposite account pays part of a deficit."""
        return s.adl_paid > 0

    @spec.witness
    def liquidation_happens(s: Any) -> Any:
        """Some account is liquidated."""
        return s.liquidations > 0

    shared.equity_metric(spec, equity)
    return spec
