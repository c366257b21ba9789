"""A vault as every trader's counterparty, with an optional open-interest cap relative to
the vault's equity (the 2025 JELLY pattern when uncapped).

The vault (an LP pool such as Hyperliquid's HLP taking over liquidated positions) holds the
opposite of the traders' net position. Each step the price moves by at most ``max_move``
and the PnL settles: traders' quotes gain ``size * dP``, the vault loses ``net * dP``.
``trade`` opens or changes a position at the price; with ``oi_cap = c`` a trade must leave
the vault's exposure ``|net| * price`` at most ``c * vault`` (its equity), and a keeper
run every step deleverages all positions proportionally back to the cap after a move (the
vault's own ADL). Without ``oi_cap`` (the default ``None``) exposure is unbounded.

Closed form (with the cap): at the start of a step the exposure is at most ``c * V``; a
move of ``d`` costs the vault at most ``c * V * d``, so it stays solvent through every path
exactly when ``c * d <= 1``: the largest per-step move survived is ``1 / c``
(:func:`largest_move`). Invariant ``vault_solvent``: the vault's equity stays >= 0.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import solvent as sv
from solvent import Num, requires
from solvent.models import blocks_perp as shared
from solvent.models import fields
from solvent.models.params import MARKET, Knobs, count, number, takes
from solvent.models.validate import check_fraction

DESCRIPTION = "a vault as every trader's counterparty, optional OI cap vs vault equity (JELLY)"


def largest_move(oi_cap: Any) -> Fraction:
    """The largest per-step move (magnitude) the capped vault survives: ``1 / oi_cap``."""
    return 1 / Fraction(Num(oi_cap))


@sv.builder
@takes(
    name="vault-counterparty",
    accounts=count(1),
    oi_cap=None,
    vault_equity=number("1000", positive=True),
    **MARKET.but(max_move="0.1", max_trade="1000", start_price="1"),
)
def build(k: Knobs) -> sv.Spec:
    """Build the vault-as-counterparty spec (see the module docstring)."""
    cap = None if k.oi_cap is None else Num(check_fraction("oi_cap", k.oi_cap, positive=True))
    spec = sv.Spec(k.name, accounts=k.accounts)

    if cap is not None:
        fields.params(spec, oi_cap=cap)
    fields.state(spec, price=Num(k.start_price), vault=Num(k.vault_equity))

    shared.account_fields(spec, Num("0"), Num("0"))
    shared.move_envelope(spec, k.max_move)

    def net(s: Any) -> Any:
        total = s.size[0]
        for a in s.accounts[1:]:
            total = total + s.size[a]
        return total

    def exposure(s: Any) -> Any:
        return abs(net(s)) * s.price

    @spec.tick
    def settle(s: Any, m: Any) -> None:
        """The price moves; traders gain size * dP, the vault loses net * dP."""
        dp = s.price * m.move
        s.vault = s.vault - net(s) * dp
        for a in s.accounts:
            s.quote[a] = s.quote[a] + s.size[a] * dp
        s.price = s.price + dp

    @spec.action(qty=sv.within(-Num(k.max_trade), Num(k.max_trade)))
    def trade(s: Any, p: Any, a: int, qty: Any) -> None:
        """Trader `a` buys (qty > 0) or sells against the vault at the price."""
        s.size[a] = s.size[a] + qty
        if cap is not None:
            requires(exposure(s) <= p.oi_cap * s.vault)

    if cap is not None:

        @spec.keeper(every_step=True)
        def deleverage(s: Any, p: Any) -> None:
            """Scale every position down so the vault's exposure is back at the cap."""
            requires(exposure(s) > p.oi_cap * s.vault)
            factor = p.oi_cap * s.vault / exposure(s)
            for a in s.accounts:
                s.size[a] = s.size[a] * factor

        @spec.lemma
        def within_cap(s: Any, p: Any) -> Any:
            """After the keeper the vault's exposure is within the cap."""
            return exposure(s) <= p.oi_cap * s.vault

    @spec.invariant
    def vault_solvent(s: Any) -> Any:
        """The vault's equity never goes negative."""
        return s.vault >= 0

    shared.price_positive(spec)

    return spec
