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
from solvent import Num, requires
from solvent.errors import ModelParameterError
from solvent.models import blocks
from solvent.models import blocks_perp as shared
from solvent.models.params import PERP, Knobs, takes
from solvent.models.validate import check_count, check_fraction, refuse


def _tier2_setter(index: int) -> Any:
    """``--set tier2_boundary=X`` (and the rate, the amount): one entry of ``tier2``."""

    def put(kwargs: dict[str, Any], value: Any) -> dict[str, Any]:
        tier2 = list(kwargs["tier2"])
        tier2[index] = value
        return {**kwargs, "tier2": tuple(tier2)}

    return put


TIER2_PARAMS = ("tier2_boundary", "tier2_maintenance_margin", "tier2_maintenance_amount")


@sv.builder(setters={name: _tier2_setter(i) for i, name in enumerate(TIER2_PARAMS)})
@takes(
    name="perp-isolated",
    accounts=3,
    **PERP,
    tier2=None,
    liquidation_depth=None,
    max_leverage=None,
    liquidation="full",
)
def build(k: Knobs) -> sv.Spec:
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

    ``liquidation="partial"`` closes only the fraction of a position that restores
    maintenance, as dYdX v4, Hyperliquid and Binance do (A1, A2, A8), the fee charged on
    the closed part; the account is left exactly at maintenance. A position whose equity
    cannot pay a full close's fee is closed whole through the loss waterfall. It needs a
    maintenance margin above the liquidation fee, and no ``tier2`` or
    ``liquidation_depth`` (the fraction is solved for a linear requirement at the mark).
    ``"full"`` (the default) closes the whole position.
    """
    check_count("accounts", k.accounts)
    lev, initial_margin = None, k.initial_margin
    if k.max_leverage is not None:
        lev = check_fraction("max_leverage", k.max_leverage, positive=True)
        if lev < 1:
            raise ModelParameterError(
                f"parameter max_leverage = {k.max_leverage}: a leverage cap must be at least 1"
            )
        initial_margin = 1 / lev
    im, mm = shared.check_margins(
        initial_margin,
        k.maintenance_margin,
        initial_label="initial_margin" if lev is None else "1 / max_leverage",
    )
    fee = k.liquidation_fee
    check_partial(k.liquidation, mm, fee, k.tier2, k.liquidation_depth)
    tiers = None if k.tier2 is None else tuple(Num(x) for x in k.tier2)
    depth = None if k.liquidation_depth is None else Num(k.liquidation_depth)
    perp = sv.Spec(k.name, accounts=k.accounts)
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

    shared.perp_book(perp, Num(k.start_price), Num(k.insurance_fund))
    shared.account_fields(perp, sv.within(*k.collateral), Num("0"))
    shared.move_envelope(perp, k.max_move)

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

    shared.mark_tick(perp)

    @perp.action(qty=sv.within(-Num(k.max_trade), Num(k.max_trade)))
    def trade(s: Any, p: Any, a: int, qty: Any) -> None:
        """Account `a` buys (qty > 0) or sells at the mark price."""
        s.quote[a] = s.quote[a] - qty * s.price
        s.size[a] = s.size[a] + qty
        requires(opening_rule(s, p, a))

    @perp.action(amount=sv.within("0", k.collateral[1]))
    def withdraw(s: Any, p: Any, a: int, amount: Any) -> None:
        """Account `a` withdraws collateral it does not need for its initial margin."""
        s.quote[a] = s.quote[a] - amount
        requires(opening_rule(s, p, a))

    def impact(s: Any, p: Any, a: int) -> Any:
        """Liquidation price impact: a linear book of ``liquidation_depth``."""
        return notional(s, a) * sv.minimum(notional(s, a) / p.liquidation_depth, 1)

    shared.liquidation_keeper(
        perp,
        equity,
        notional,
        requirement,
        impact=None if depth is None else impact,
        partial=k.liquidation == "partial",
    )
    shared.perp_claims(perp, equity, requirement)

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


LIQUIDATIONS = ("full", "partial")


def check_partial(liquidation: str, mm: Any, fee: Any, tier2: Any, depth: Any) -> None:
    """``liquidation`` is one of :data:`LIQUIDATIONS`; a partial one needs what its
    fraction is solved for (a maintenance margin above the fee, one linear tier, no impact)."""
    if liquidation not in LIQUIDATIONS:
        raise refuse(
            f"parameter liquidation = {liquidation!r}: give one of {', '.join(LIQUIDATIONS)}"
        )
    if liquidation != "partial":
        return
    if mm <= fee:
        raise refuse(
            f"parameter liquidation = 'partial' needs maintenance_margin ({Num(mm)!r}) above "
            f"liquidation_fee ({Num(fee)!r}): closing a slice must raise the margin ratio"
        )
    if tier2 is not None or depth is not None:
        raise refuse(
            "parameter liquidation = 'partial' works with one maintenance tier at the mark: "
            "drop tier2 and liquidation_depth, or use liquidation='full'"
        )
