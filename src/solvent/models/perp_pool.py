"""Pool-as-counterparty perpetual: an LP vault takes the other side of every trade.

Sources (docs/models/sources.md): A3 GMX v2 (LPs take the other side of traders' PnL;
price impact ``before^e * f - after^e * f`` on the imbalance, README example -$500 /
+$375; ``reserveFactor`` = reserved value / pool; position fee 0.04-0.06%; insolvent
closes borne by the pool), A5 Synthetix v3 (LP vaults as counterparty; the market is
insolvent when LP collateral falls below the locked open interest), B4 and B11 (the
HLP/JELLY and GMX v1 AVAX incidents: a vault that accepts any size at the oracle price).

Rules. Each account opens one position at a time against the vault, given in quote value
``v`` (long ``> 0``), at the mark. Opening pays a position fee and the GMX price impact
(with exponent 2, only the cost of an increase of the imbalance is charged; positive
impact is not rebated), both into the vault. The vault *reserves* the most it can owe on
the position: ``profit_cap * |v|``; a trader's profit is capped at its reserve (GMX v1's
reserved amounts; v2 caps trader PnL relative to the pool). An open is refused when the
reserves would exceed ``reserve_factor`` times the vault's cash, or the net open interest
would exceed ``max_open_interest``. Marks move by at most ``max_move`` per step (position
values follow). A keeper closes any account below maintenance at the mark; a loss larger
than the collateral is the vault's (an insolvent close). Traders can close at any time.

Invariant ``vault_solvent``: the vault's cash covers every trader's capped profit,
whatever the path. With ``reserve_factor <= 1`` it holds for every path (``prove``):
payouts never exceed the released reserve. With ``reserve_factor = 2.75`` (the Arbitrum
ETH/USD market's 275% in A3, a value GMX pairs with ADL, which this model does not have)
``bmc`` finds two traders whose capped profits exceed the vault.

Out of scope: ADL and the PnL-factor caps of GMX v2, borrowing and funding fees, the
impact pool and positive-impact rebates, swaps, keeper-executed two-step orders.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import solvent as sv
from solvent import Num, maximum, minimum, requires
from solvent.models import blocks_perp as shared
from solvent.models import fields
from solvent.models.params import MARGINS, MARKET, Knobs, count, ends, number, rate, takes

DESCRIPTION = (
    "pool-as-counterparty perp (GMX-style): reserves, OI cap, price impact, vault solvency"
)


@sv.builder
@takes(
    name="perp-pool",
    accounts=count(2),
    **MARGINS,
    position_fee=rate("0.0006"),
    impact_factor=number("0.0000002", nonnegative=True),
    profit_cap=number("0.2", positive=True),
    reserve_factor=number("0.9", positive=True),
    max_open_interest=number("100000", positive=True),
    pool_cash=number("10000", positive=True),
    **MARKET.only("max_move", "max_trade").but(max_trade="50000"),
    collateral=ends(("0", "10000")),
    arithmetic="exact",
    decimals=12,
)
def build(k: Knobs) -> sv.Spec:
    """Build the pool-counterparty perp (see the module docstring for the rules).

    ``arithmetic="fixed"`` (with ``decimals``; 12 holds the default impact factor, GMX keeps
    factors with 30) computes like the on-chain vault:
    every product is rounded in the vault's favour (fees, impact, reserves and margin
    requirements up; marked position values and the reserve limit down).
    """
    im, mm = shared.check_margins(k.initial_margin, k.maintenance_margin)
    cash0 = k.pool_cash
    lim, top, (lo, hi) = k.max_move, k.max_trade, k.collateral

    kwargs: dict[str, Any] = {"arithmetic": k.arithmetic}
    if k.arithmetic == "fixed":
        kwargs["decimals"] = k.decimals
    spec = sv.Spec(k.name, accounts=k.accounts, **kwargs)
    up, down = sv.mul_up, sv.mul_down  # exact products in exact arithmetic

    shared.margin_params(spec, im, mm)

    fees = "position_fee impact_factor profit_cap reserve_factor max_open_interest"
    fields.params(spec, **fields.nums(k, fees))
    fields.state(spec, pool=Num(cash0), liquidations=Num("0"))
    # value: the signed position value size * mark; cost: the value paid at open (PnL =
    # value - cost); reserve: what the vault holds back for the position's profit
    fields.accounts(spec, collateral=sv.within(lo, hi), **fields.zeros("value cost reserve"))

    shared.move_envelope(spec, lim)

    def skew(s: Any) -> Any:
        return sv.sum(s.value[a] for a in s.accounts)

    def reserved(s: Any) -> Any:
        return sv.sum(s.reserve[a] for a in s.accounts)

    def payout(s: Any, a: int) -> Any:
        """The trader's PnL as the vault pays it: profits capped at the reserve."""
        return minimum(s.value[a] - s.cost[a], s.reserve[a])

    def equity(s: Any, a: int) -> Any:
        return s.collateral[a] + payout(s, a)

    def settle(s: Any, a: int) -> None:
        """Close at the mark: the vault pays the capped PnL (or keeps the loss, at most
        the collateral: a larger loss is the vault's)."""
        pay = maximum(payout(s, a), -s.collateral[a])
        s.pool = s.pool - pay
        s.collateral[a] = s.collateral[a] + pay
        s.value[a] = 0
        s.cost[a] = 0
        s.reserve[a] = 0

    @spec.tick
    def mark(s: Any, m: Any) -> None:
        """The mark moves; every position's value follows."""
        for a in s.accounts:
            s.value[a] = down(s.value[a], 1 + m.move)

    @spec.action(v=sv.within(-top, top))
    def open_position(s: Any, p: Any, a: int, v: Any) -> None:
        """Account `a` (flat: no open position, even one marked to zero) opens `v`."""
        requires((s.value[a] == 0) & (s.cost[a] == 0) & (s.reserve[a] == 0))
        before = skew(s)
        if k.arithmetic == "exact":
            impact_cost = -gmx_price_impact(before, before + v, p.impact_factor)
        else:  # after^2 - before^2 = v * (2 * before + v), rounded against the trader
            impact_cost = up(up(v, before * 2 + v), p.impact_factor)
        charge = up(abs(v), p.position_fee) + maximum(impact_cost, 0)
        s.collateral[a] = s.collateral[a] - charge
        s.pool = s.pool + charge
        s.value[a] = v
        s.cost[a] = v
        s.reserve[a] = up(abs(v), p.profit_cap)
        requires(s.collateral[a] >= up(abs(v), p.initial_margin))
        requires(reserved(s) <= down(s.pool, p.reserve_factor))
        requires(abs(skew(s)) <= p.max_open_interest)

    @spec.action
    def close_position(s: Any, p: Any, a: int) -> None:
        """Account `a` closes its position at the mark."""
        settle(s, a)

    @spec.keeper(every_step=True)
    def liquidate(s: Any, p: Any, a: int) -> None:
        """Close an account below maintenance at the mark (losses beyond collateral: vault)."""
        requires(equity(s, a) < up(abs(s.value[a]), p.maintenance_margin))
        settle(s, a)
        s.liquidations = s.liquidations + 1

    @spec.invariant
    def vault_solvent(s: Any) -> Any:
        """The vault's cash covers every trader's capped profit."""
        return s.pool >= sv.sum(maximum(payout(s, a), 0) for a in s.accounts)

    if k.reserve_factor <= 1:

        @spec.lemma
        def reserves_covered(s: Any) -> Any:
            """The vault holds at least what it has reserved (reserve factor at most 1)."""
            return s.pool >= reserved(s)

    @spec.lemma
    def reserves_nonnegative(s: Any, p: Any, a: int) -> Any:
        """A reserve is never negative."""
        return s.reserve[a] >= 0

    @spec.lemma
    def collateral_nonnegative(s: Any, p: Any, a: int) -> Any:
        """Settlement never takes more than the collateral."""
        return s.collateral[a] >= 0

    @spec.witness
    def profit_paid(s: Any) -> Any:
        """Some trader holds a profitable position (the vault owes something)."""
        return sv.any_of(payout(s, a) > 0 for a in s.accounts)

    @spec.metric
    def vault_owes(s: Any) -> Any:
        return sv.sum(maximum(payout(s, a), 0) for a in s.accounts)

    return spec


def gmx_price_impact(before: Any, after: Any, factor: Any, exponent: int = 2) -> Any:
    """GMX v2 price impact on an imbalance (A3): ``before^e * f - after^e * f``; negative
    is a cost (an increase of the imbalance), positive a rebate."""
    if not hasattr(before, "backend") and not hasattr(after, "backend"):
        before, after, factor = Fraction(before), Fraction(after), Fraction(factor)
    return (before**exponent) * factor - (after**exponent) * factor
