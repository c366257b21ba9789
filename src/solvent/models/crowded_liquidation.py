"""Longs whose liquidations in one step share the book's depth, in order (the CRV pattern).

Each account holds a long of ``position`` units bought at ``start_price`` with
``collateral`` (quote ``collateral - position * start_price``). The price moves by at most
``max_move`` a step; a keeper closes every account below maintenance into the book, with
no insurance fund (a deficit is bad debt). A liquidation of notional ``n`` executes at a
price moved against it by the book's impact: with ``crowded=True`` the liquidations of one
step consume the same ``book_depth`` in account order
(:func:`solvent.models.liquidation.crowded_impact`: the second one also pays for the
first one's notional, reference/derivatives.md B8); with ``crowded=False`` each sees the
whole depth, as if alone.

Identical accounts reach maintenance together, so a margin that covers one liquidation's
impact (``maintenance_margin >= max_move + n / book_depth``) leaves the second with a
deficit; a margin covering the impact of all of them (``max_move + accounts * n /
book_depth``) does not.
"""

from __future__ import annotations

from typing import Any

import solvent as sv
from solvent import Num, requires
from solvent.models import blocks, fields, liquidation
from solvent.models import blocks_perp as shared
from solvent.models.params import LONG, Knobs, count, number, rate, takes

DESCRIPTION = "longs whose liquidations in one step share the book depth in order (CRV)"


@sv.builder
@takes(
    name="crowded-liquidation",
    accounts=count(2),
    crowded=True,
    maintenance_margin=rate("0.05", positive=True),
    max_move=rate("0.02", positive=True, upper_open=True),
    book_depth=number("50000", positive=True),
    **LONG,
    start_price=number("1", positive=True),
)
def build(k: Knobs) -> sv.Spec:
    """Build the crowded-liquidation spec (see the module docstring)."""
    spec = sv.Spec(k.name, accounts=k.accounts)
    quote0 = Num(k.collateral) - Num(k.position) * Num(k.start_price)
    fields.params(spec, **fields.nums(k, "maintenance_margin book_depth"))
    fields.state(spec, price=Num(k.start_price), **fields.zeros("bad_debt depth_used"))
    shared.account_fields(spec, quote0, Num(k.position))
    shared.move_envelope(spec, k.max_move)

    def equity(s: Any, a: int) -> Any:
        return blocks.equity(s.quote[a], s.size[a], s.price)

    @spec.tick
    def mark(s: Any, m: Any) -> None:
        """The price moves; the book's depth is fresh again."""
        s.price = s.price * (1 + m.move)
        s.depth_used = 0

    @spec.keeper(every_step=True)
    def liquidate(s: Any, p: Any, a: int) -> None:
        """Close a long below maintenance into the book; a deficit is bad debt."""
        n = s.size[a] * s.price
        requires(equity(s, a) < n * p.maintenance_margin)
        used = s.depth_used if k.crowded else 0
        e = equity(s, a) - n * liquidation.crowded_impact(used, n, p.book_depth)
        s.depth_used = s.depth_used + n
        s.bad_debt = s.bad_debt + sv.maximum(-e, 0)
        s.quote[a] = sv.maximum(e, 0)
        s.size[a] = 0

    @spec.invariant
    def solvent(s: Any) -> Any:
        """No liquidation has left bad debt."""
        return s.bad_debt <= 0

    shared.price_positive(spec)

    @spec.lemma
    def healthy(s: Any, p: Any, a: int) -> Any:
        """After the keeper, every account meets maintenance (a closed one trivially)."""
        return (s.size[a] >= 0) & (equity(s, a) >= s.size[a] * s.price * p.maintenance_margin)

    @spec.lemma
    def held_or_closed(s: Any, p: Any, a: int) -> Any:
        """An account holds its initial long and quote, or is closed with quote >= 0."""
        held = (s.size[a] == Num(k.position)) & (s.quote[a] == quote0)
        return held | ((s.size[a] == 0) & (s.quote[a] >= 0))

    shared.equity_metric(spec, equity)
    return spec
