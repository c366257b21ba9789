"""Multi-asset collateral with haircuts, a delayed oracle and liquidation price impact.

Each account deposits two collateral assets, A and B (in units), and borrows quote (a
stablecoin debt) or units of B (``debt_asset="b"``). The venue values collateral at its **oracle** prices with a
**haircut** per asset: ``A * oracle_a * (1 - haircut_a) + B * oracle_b * (1 - haircut_b)``.
Borrowing must leave that value (with the initial haircuts) at or above the debt; a
keeper liquidates every account whose value with the maintenance haircuts is below its
debt. Liquidation sells all collateral at the **market** price, with price impact that
depends on the liquidity depth: selling ``q`` units of an asset whose book absorbs
``depth`` units per 100% of price gets ``q * price * (1 - q / depth)`` (a linear book;
``q <= supply_cap < depth``). Each liquidation sees the whole depth: liquidations of
several accounts in one step do not share the book (see the docs page: both encodings of
a shared book that were tried made the solver time out). What the sale does not cover is
bad debt.

The envelope bounds each asset's per-step move and their joint move (a correlated
shock): ``|move_a| <= max_move_a``, ``|move_b| <= max_move_b`` and ``|move_a - move_b| <=
max_divergence``. The oracle lags the market by one step and is off by at most
``oracle_deviation``: after each tick, ``oracle = previous market price * (1 + error)``
with ``|error| <= oracle_deviation``.

Why a haircut is safe. An account healthy at the oracle of step t can be liquidated at
the market price of step t+1. The oracle of step t is at most ``(1 + deviation) / (1 -
move)`` times the market price of step t, and the market falls at most ``move`` more
before the sale, which loses at most ``supply_cap / depth`` to impact. So a maintenance
haircut ``h`` is safe when ``1 - h <= (1 - move)^2 * (1 - supply_cap / depth) / (1 +
deviation)`` for each asset (``safe_haircut``); ``prove`` proves it. A haircut that only
covers the move (a bug example) leaves bad debt after an oracle-lagged fall. With a debt
in B only the A/B ratio matters, and the divergence bound sets the haircut
(``safe_haircut_correlated``).

Sources (docs/models/sources.md): A4 Drift (collateral weighted per asset; liquidation
at the oracle with TWAP guards and price bands), A2 Hyperliquid portfolio margin
(``liquidation_threshold = 0.5 + 0.5 * LTV``, LTV per asset), A3 GMX v2 (price impact
that grows with size), B1 Mango (collateral marked at a manipulable thin-market oracle),
B5 MakerDAO Black Thursday (oracle lag ~$30, liquidation at a congested market), B8 Aave
CRV and B12 Venus XVS (collateral large relative to on-chain liquidity: liquidations could
not sell fast enough), B9 (collateral depegs on one venue's book: wBETH, USDe).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import solvent as sv
from solvent import Num, requires
from solvent.errors import ModelParameterError
from solvent.lang.values import format_number
from solvent.models import fields
from solvent.models.params import Knobs, count, number, rate, takes
from solvent.models.validate import check_order

DESCRIPTION = (
    "two collateral assets with haircuts, correlated moves, a lagged oracle and "
    "depth-dependent liquidation impact"
)


def safe_haircut(max_move: Any, oracle_deviation: Any, supply_cap: Any, depth: Any) -> Fraction:
    """The smallest maintenance haircut this model proves safe for one asset:
    ``1 - (1 - move)^2 * (1 - supply_cap / depth) / (1 + deviation)``."""
    m, d = Fraction(max_move), Fraction(oracle_deviation)
    impact = Fraction(supply_cap) / Fraction(depth)
    return 1 - (1 - m) ** 2 * (1 - impact) / (1 + d)


def safe_haircut_correlated(
    max_divergence: Any, max_move_b: Any, oracle_deviation: Any, supply_cap: Any, depth: Any
) -> Fraction:
    """The smallest maintenance haircut of asset A this model proves safe when the debt is
    in asset B (``debt_asset="b"``): only the A/B price ratio matters, and it moves at most
    ``divergence / (1 - move_b)`` per step, so ``1 - h <= (1 - dev) / (1 + dev) * (1 -
    divergence / (1 - move_b))^2 * (1 - supply_cap / depth)``."""
    d, dev = Fraction(max_divergence), Fraction(oracle_deviation)
    step = 1 - d / (1 - Fraction(max_move_b))
    return 1 - (1 - dev) / (1 + dev) * step**2 * (1 - Fraction(supply_cap) / Fraction(depth))


def hyperliquid_liquidation_threshold(ltv: Any) -> Fraction:
    """Hyperliquid portfolio margin (A2): ``liquidation_threshold = 0.5 + 0.5 * LTV``; the
    matching maintenance haircut of this model is ``1 - threshold`` (initial: ``1 - LTV``)."""
    return Fraction(1, 2) + Fraction(1, 2) * Fraction(ltv)


def liquidation_proceeds(units: Any, price: Any, depth: Any) -> Any:
    """Quote received for selling ``units`` into a linear book of ``depth`` units per 100%
    of price: the price falls by ``units / depth`` (full slippage on the whole lot, a
    conservative reading of GMX-style size-dependent impact, A3)."""
    return units * price * (1 - units / depth)


@sv.builder
@takes(
    name="multi-collateral",
    accounts=count(3),
    price_a=number("2000", positive=True),
    price_b=number("100", positive=True),
    initial_haircut_a=rate("0.25"),
    maintenance_haircut_a=rate("0.20"),
    initial_haircut_b=rate("0.30"),
    maintenance_haircut_b=rate("0.25"),
    max_move_a=rate("0.05", upper_open=True),
    max_move_b=rate("0.08", upper_open=True),
    max_divergence=number("0.05", nonnegative=True),
    oracle_deviation=rate("0.01", upper_open=True),
    supply_cap_a=number("10", positive=True),
    supply_cap_b=number("200", positive=True),
    depth_a=number("200", positive=True),
    depth_b=number("2000", positive=True),
    max_borrow=number("100000", positive=True),
    debt_asset="quote",
)
def build(k: Knobs) -> sv.Spec:
    """Build the multi-collateral spec.

    Haircuts are fractions in [0, 1] (the maintenance haircut at most the initial one).
    ``supply_cap_*`` bound each account's deposit (units; the initial deposits are any
    amounts up to the cap), ``depth_*`` the liquidity (units that move the price 100%;
    must exceed the cap). ``max_divergence`` bounds ``|move_a - move_b|``.

    ``debt_asset="quote"`` (default) borrows a stablecoin; ``"b"`` borrows units of asset
    B (as in a correlated-asset "efficiency mode": e.g. collateral stETH, debt ETH), so
    the debt moves with B and only the A/B divergence threatens the loan.
    """
    hair: dict[str, Fraction] = {}
    for asset in ("a", "b"):
        hi, hm = getattr(k, f"initial_haircut_{asset}"), getattr(k, f"maintenance_haircut_{asset}")
        check_order(
            f"maintenance_haircut_{asset}",
            hm,
            f"initial_haircut_{asset}",
            hi,
            "a loan taken at the initial haircut would be liquidatable at once",
        )
        hair[f"i{asset}"], hair[f"m{asset}"] = hi, hm
    move_a, move_b = k.max_move_a, k.max_move_b
    divergence, deviation = k.max_divergence, k.oracle_deviation
    caps = {}
    for asset, c, d in (("a", k.supply_cap_a, k.depth_a), ("b", k.supply_cap_b, k.depth_b)):
        if c >= d:
            raise ModelParameterError(
                f"parameter supply_cap_{asset} = {format_number(c)} must be below depth_{asset} "
                f"= {format_number(d)}: selling the whole cap would take the price to zero"
            )
        caps[asset] = (c, d)
    if k.debt_asset not in ("quote", "b"):
        raise ModelParameterError(
            f"parameter debt_asset = {k.debt_asset!r}: must be 'quote' or 'b'"
        )
    in_b = k.debt_asset == "b"
    # the A/B oracle ratio exceeds the market ratio by at most 1/kappa (see the lemma)
    kappa = Num((1 - deviation) / (1 + deviation) * (1 - divergence / (1 - move_b)))

    spec = sv.Spec(k.name, accounts=k.accounts)
    spec.derive("oracle_ratio_bound", kappa, "kappa: the A/B oracle ratio over the market's")
    haircuts = "initial_haircut_a maintenance_haircut_a initial_haircut_b maintenance_haircut_b"
    fields.params(spec, **fields.nums(k, haircuts + " depth_a depth_b max_move_a max_move_b"))
    pa, pb = Num(k.price_a), Num(k.price_b)
    fields.state(spec, price_a=pa, price_b=pb, oracle_a=pa, oracle_b=pb)
    fields.state(spec, **fields.zeros("bad_debt liquidations"))
    cap_a_n, cap_b_n = Num(caps["a"][0]), Num(caps["b"][0])
    units = {"units_a": sv.within("0", cap_a_n), "units_b": sv.within("0", cap_b_n)}
    fields.accounts(spec, **units, debt=Num("0"))
    dev = Num(deviation)
    fields.symmetric(spec, move_a=move_a, divergence=divergence, error_a=dev, error_b=dev)

    def collateral_value(s: Any, a: int, haircut_a: Any, haircut_b: Any) -> Any:
        return s.units_a[a] * s.oracle_a * (1 - haircut_a) + s.units_b[a] * s.oracle_b * (
            1 - haircut_b
        )

    def debt_value(s: Any, a: int, price_b: Any) -> Any:
        """The debt in quote: itself, or its units of B at ``price_b``."""
        return s.debt[a] * price_b if in_b else s.debt[a]

    @spec.tick
    def market(s: Any, p: Any, m: Any) -> None:
        """The oracle reports the previous market prices (one step late, off by at most
        the deviation); then both markets move, B by A's move plus a bounded divergence,
        clamped to B's own bound (so every pair with |move_a|, |move_b| and
        |move_a - move_b| within bounds is possible, and nothing else)."""
        s.oracle_a = s.price_a * (1 + m.error_a)
        s.oracle_b = s.price_b * (1 + m.error_b)
        move_b = sv.maximum(-p.max_move_b, sv.minimum(p.max_move_b, m.move_a + m.divergence))
        s.price_a = s.price_a * (1 + m.move_a)
        s.price_b = s.price_b * (1 + move_b)

    @spec.action(amount=sv.within("0", k.max_borrow))
    def borrow(s: Any, p: Any, a: int, amount: Any) -> None:
        """Account `a` borrows quote against its collateral at the oracle (initial haircuts)."""
        s.debt[a] = s.debt[a] + amount
        requires(
            collateral_value(s, a, p.initial_haircut_a, p.initial_haircut_b)
            >= debt_value(s, a, s.oracle_b)
        )

    @spec.keeper(every_step=True)
    def liquidate(s: Any, p: Any, a: int) -> None:
        """Below maintenance at the oracle: sell all collateral at the market, with impact;
        the shortfall is bad debt, a surplus goes back to the account as quote."""
        requires(
            collateral_value(s, a, p.maintenance_haircut_a, p.maintenance_haircut_b)
            < debt_value(s, a, s.oracle_b)
        )
        proceeds = liquidation_proceeds(s.units_a[a], s.price_a, p.depth_a) + liquidation_proceeds(
            s.units_b[a], s.price_b, p.depth_b
        )
        # a debt in B is bought back at the market price of B (no impact on that side)
        s.bad_debt = s.bad_debt + sv.maximum(debt_value(s, a, s.price_b) - proceeds, 0)
        s.units_a[a] = 0
        s.units_b[a] = 0
        s.debt[a] = 0
        s.liquidations = s.liquidations + 1

    @spec.invariant
    def no_bad_debt(s: Any) -> Any:
        """Every liquidation's sale covered the debt: no bad debt was written off."""
        return s.bad_debt <= 0

    @spec.lemma
    def healthy(s: Any, p: Any, a: int) -> Any:
        """After the keeper, every account's collateral (maintenance haircuts, oracle)
        covers its debt."""
        return collateral_value(
            s, a, p.maintenance_haircut_a, p.maintenance_haircut_b
        ) >= debt_value(s, a, s.oracle_b)

    @spec.lemma
    def holdings_in_range(s: Any, p: Any, a: int) -> Any:
        """Deposits stay within the supply caps; debts are not negative."""
        return (
            (s.units_a[a] >= 0)
            & (s.units_a[a] <= cap_a_n)
            & (s.units_b[a] >= 0)
            & (s.units_b[a] <= cap_b_n)
            & (s.debt[a] >= 0)
        )

    @spec.lemma
    def oracle_near_market(s: Any, p: Any) -> Any:
        """Each oracle is within one step's move and the deviation of its market price:
        ``oracle * (1 - max_move) <= price * (1 + deviation)`` (and prices stay positive)."""
        return (
            (s.price_a > 0)
            & (s.price_b > 0)
            & (s.oracle_a > 0)
            & (s.oracle_b > 0)
            & (s.oracle_a * (1 - p.max_move_a) <= s.price_a * (1 + dev))
            & (s.oracle_b * (1 - p.max_move_b) <= s.price_b * (1 + dev))
        )

    if in_b:

        @spec.lemma
        def ratio_near_market(s: Any) -> Any:
            """The A/B oracle ratio exceeds the market ratio by at most a factor
            ``1/kappa``, ``kappa = (1 - dev)/(1 + dev) * (1 - divergence/(1 - move_b))``:
            ``oracle_a * price_b * kappa <= price_a * oracle_b``."""
            return s.oracle_a * s.price_b * kappa <= s.price_a * s.oracle_b

    @spec.witness
    def liquidation_happens(s: Any) -> Any:
        """Some account gets liquidated (else a proof could be vacuous)."""
        return s.liquidations > 0

    @spec.metric
    def collateral_at_oracle(s: Any, p: Any, a: int) -> Any:
        return collateral_value(s, a, p.maintenance_haircut_a, p.maintenance_haircut_b)

    return spec
