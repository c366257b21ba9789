"""Cross-margin linear perpetual over two markets, with funding and partial liquidation.

Sources (docs/models/sources.md):

- A1 dYdX v4: one quote balance per account backs every position; equity
  ``Q + S_a * P_a + S_b * P_b``; maintenance ``sum |S_i| * P_i * MMF_i``; cross liquidation
  price ``p' = (e - s*p - MMR_o) / (|s| * MMF - s)``; funding paid by longs to shorts
  when the rate is positive, capped (``600% x (IMF - MMF)`` per 8 h).
- A2 Hyperliquid: partial liquidation (a slice of the position goes to the book first),
  and a *backstop* liquidation of the whole account once equity is below
  ``backstop_fraction`` (2/3) of maintenance.
- A4 Drift: liquidation closes positions until the requirement is met again.

Rules, per step: both mark prices move (envelope: ``move_a``, ``move_b``); every account
pays funding ``size * price * rate`` per market (envelope: ``funding_a``, ``funding_b``,
bounded by ``funding_cap``); then the keeper checks every account:

- equity below ``backstop_fraction`` of maintenance: the whole account is closed at the
  marks through the loss waterfall of :func:`solvent.models.blocks.close_out` (fee to the
  insurance fund, the fund covers a deficit, the rest is bad debt);
- else, equity below maintenance: ``partial_fraction`` of every position is closed at the
  marks, with the liquidation fee on the closed notional to the fund.

Safety: after the keeper every account keeps ``equity >= backstop_fraction * maintenance``
(lemma ``cushion``; a partial close keeps it as long as ``backstop_fraction * MMF_i >=
liquidation_fee``). One step later it has lost at most ``(move_i + (1 + move_i) * cap)``
of each notional, so no account goes below zero, and no bad debt appears, when
``backstop_fraction * MMF_i >= max_move_i + (1 + max_move_i) * funding_cap`` for both
markets. The known-unsafe parameter set uses the maintenance margin that would suffice
without the backstop discount (8% for a 5% move and a 1% funding cap): 2/3 of it does not.

Out of scope: order-book execution (closes happen at the mark), liquidation price
impact, ADL (see ``insurance_waterfall``), tiered margin, interest.
"""

from __future__ import annotations

from typing import Any

import solvent as sv
from solvent import Num, requires, when
from solvent.models import blocks, fields
from solvent.models import blocks_perp as shared
from solvent.models.params import MARGINS, MARKET, Knobs, count, ends, number, rate, takes
from solvent.models.validate import refuse

DESCRIPTION = "cross-margin linear perp, two markets, funding, partial + backstop liquidation"


@sv.builder
@takes(
    name="perp-cross",
    accounts=count(3),
    **MARGINS.but(initial_margin="0.12", maintenance_margin="0.10").per("_a", "_b"),
    backstop_fraction=rate("2/3", positive=True),
    partial_fraction=rate("1/2", positive=True, upper_open=True),
    liquidation_fee=rate("0.01"),
    insurance_fund=number("100", nonnegative=True),
    **MARKET.only("max_move").but(max_move="0.05").per("_a", "_b"),
    funding_cap=rate("0.01"),
    max_trade=number("100000", positive=True),
    start_price_a=number("2000", positive=True),
    start_price_b=number("100", positive=True),
    collateral=ends(("0", "10000")),
)
def build(k: Knobs) -> sv.Spec:
    """Build the cross-margin perpetual (parameters are checked; see the module docstring)."""
    _, mm_a = shared.check_margins(k.initial_margin_a, k.maintenance_margin_a, suffix="_a")
    _, mm_b = shared.check_margins(k.initial_margin_b, k.maintenance_margin_b, suffix="_b")
    backstop, fee = k.backstop_fraction, k.liquidation_fee
    for market, mm in (("a", mm_a), ("b", mm_b)):
        if backstop * mm < fee:
            raise refuse(
                f"parameter liquidation_fee = {sv.Num(fee)!r} exceeds backstop_fraction x "
                f"maintenance_margin_{market}: a partial liquidation's fee would push the "
                "account below the backstop threshold by itself; lower the fee"
            )
    lo, hi = k.collateral
    top = k.max_trade

    perp = sv.Spec(k.name, accounts=k.accounts)
    fields.params(perp, **fields.nums(k, "initial_margin_a maintenance_margin_a"))
    fields.params(perp, **fields.nums(k, "initial_margin_b maintenance_margin_b"))
    fields.params(perp, **fields.nums(k, "backstop_fraction partial_fraction liquidation_fee"))
    prices = {"price_a": Num(k.start_price_a), "price_b": Num(k.start_price_b)}
    counts = fields.zeros("bad_debt liquidations partial_liquidations")
    fields.state(perp, **prices, insurance=Num(k.insurance_fund), **counts)
    fields.accounts(perp, quote=sv.within(lo, hi), **fields.zeros("value_a value_b"))
    moves = {"move_a": k.max_move_a, "move_b": k.max_move_b}
    fields.symmetric(perp, **moves, funding_a=k.funding_cap, funding_b=k.funding_cap)

    def equity(s: Any, a: int) -> Any:
        return equity_of(s.quote[a], s.value_a[a], s.value_b[a])

    def notional(s: Any, a: int) -> Any:
        return abs(s.value_a[a]) + abs(s.value_b[a])

    def maintenance(s: Any, p: Any, a: int) -> Any:
        return requirement_of(
            s.value_a[a], s.value_b[a], p.maintenance_margin_a, p.maintenance_margin_b
        )

    def initial(s: Any, p: Any, a: int) -> Any:
        return requirement_of(s.value_a[a], s.value_b[a], p.initial_margin_a, p.initial_margin_b)

    @perp.tick
    def fund_and_mark(s: Any, m: Any) -> None:
        """Every account pays funding on both positions, then both marks move."""
        for a in s.accounts:
            s.quote[a] = (
                s.quote[a]
                - blocks.funding_on_value(s.value_a[a], m.funding_a)
                - blocks.funding_on_value(s.value_b[a], m.funding_b)
            )
            s.value_a[a] = s.value_a[a] * (1 + m.move_a)
            s.value_b[a] = s.value_b[a] * (1 + m.move_b)
        s.price_a = s.price_a * (1 + m.move_a)
        s.price_b = s.price_b * (1 + m.move_b)

    @perp.action(value=sv.within(-top, top))
    def trade_a(s: Any, p: Any, a: int, value: Any) -> None:
        """Account `a` buys (value > 0) or sells `value` quote units of market A at the mark."""
        s.quote[a] = s.quote[a] - value
        s.value_a[a] = s.value_a[a] + value
        requires(equity(s, a) >= initial(s, p, a))

    @perp.action(value=sv.within(-top, top))
    def trade_b(s: Any, p: Any, a: int, value: Any) -> None:
        """Account `a` buys (value > 0) or sells `value` quote units of market B at the mark."""
        s.quote[a] = s.quote[a] - value
        s.value_b[a] = s.value_b[a] + value
        requires(equity(s, a) >= initial(s, p, a))

    @perp.action(amount=sv.within("0", hi))
    def withdraw(s: Any, p: Any, a: int, amount: Any) -> None:
        """Account `a` withdraws collateral it does not need for its initial margin."""
        s.quote[a] = s.quote[a] - amount
        requires(equity(s, a) >= initial(s, p, a))

    @perp.keeper(every_step=True)
    def liquidate(s: Any, p: Any, a: int) -> None:
        """Below maintenance: close a slice; below the backstop: close all (waterfall)."""
        e = equity(s, a)
        mm = maintenance(s, p, a)
        requires(e < mm)
        full = e < mm * p.backstop_fraction
        w = blocks.close_out(e, notional(s, a), p.liquidation_fee, s.insurance)
        f = p.partial_fraction
        slice_fee = notional(s, a) * f * p.liquidation_fee
        closed_value = (s.value_a[a] + s.value_b[a]) * f
        s.insurance = when(full, s.insurance + w.fee - w.covered, s.insurance + slice_fee)
        s.bad_debt = when(full, s.bad_debt + w.uncovered, s.bad_debt)
        s.quote[a] = when(full, w.remaining, s.quote[a] + closed_value - slice_fee)
        s.value_a[a] = when(full, Num(0), s.value_a[a] * (1 - f))
        s.value_b[a] = when(full, Num(0), s.value_b[a] * (1 - f))
        s.liquidations = s.liquidations + when(full, Num(1), Num(0))
        s.partial_liquidations = s.partial_liquidations + when(full, Num(0), Num(1))

    @perp.invariant
    def solvent(s: Any) -> Any:
        """No bad debt written off, and no account below zero equity."""
        return (s.bad_debt <= 0) & sv.all_of(equity(s, a) >= 0 for a in s.accounts)

    @perp.lemma
    def prices_positive(s: Any) -> Any:
        """Both marks stay positive (moves are bounded by the envelope)."""
        return (s.price_a > 0) & (s.price_b > 0)

    shared.insurance_nonnegative(perp)

    @perp.lemma
    def cushion(s: Any, p: Any, a: int) -> Any:
        """After the keeper, equity is at least the backstop share of maintenance."""
        return equity(s, a) >= maintenance(s, p, a) * p.backstop_fraction

    partial_doc = "Some account is partially liquidated."
    fields.counted(perp, "partial_liquidation_happens", "partial_liquidations", partial_doc)
    backstop_doc = "Some account is closed by the backstop."
    fields.counted(perp, "backstop_liquidation_happens", "liquidations", backstop_doc)

    shared.equity_metric(perp, equity)

    @perp.metric
    def account_maintenance(s: Any, p: Any, a: int) -> Any:
        return maintenance(s, p, a)

    return perp


def equity_of(quote: Any, value_a: Any, value_b: Any) -> Any:
    """Cross-margin equity: the quote balance plus both positions' signed values ``S * P``
    (dYdX ``Q + sum S_i * P_i``, A1)."""
    return quote + value_a + value_b


def requirement_of(value_a: Any, value_b: Any, rate_a: Any, rate_b: Any) -> Any:
    """Margin requirement of an account: ``sum |S_i * P_i| * rate_i`` (A1)."""
    return blocks.requirement(abs(value_a), rate_a) + blocks.requirement(abs(value_b), rate_b)
