"""Declaration blocks shared by the models: the parameter checks, the account fields, the
market, the liquidation keeper with its loss waterfall, and the safety claims of a perp.

Where :mod:`solvent.models.blocks` holds the *rules* as plain functions of numbers, these
declare pieces of a spec: each takes the ``Spec`` a model's ``build()`` is making and adds
its declarations to it with the spec's own decorators, exactly as the model would
(``@spec.state``, ``@spec.keeper``, ...). A model calls them in the order its spec lists
its declarations. ``equity``, ``notional`` and ``requirement`` are the model's own
functions of ``(s, a)`` / ``(s, p, a)``, so one block serves the isolated, the inverse and
the keeper-late perpetuals.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import solvent as sv
from solvent import Num, PerAccount, requires, when
from solvent.models import blocks, liquidation
from solvent.models.validate import check_fraction, check_order, check_range, check_rate

OPENED = "a position opened at the initial margin would be liquidatable at once"

Equity = Callable[[Any, int], Any]
Requirement = Callable[[Any, Any, int], Any]

# -- parameter checks ----------------------------------------------------------------------


def check_margins(
    initial_margin: Any,
    maintenance_margin: Any,
    *,
    initial_label: str = "initial_margin",
    suffix: str = "",
    why: str = OPENED,
) -> tuple[Fraction, Fraction]:
    """The initial and maintenance margin rates, each in ``(0, 1]``, maintenance at most
    initial (``suffix`` names a market's pair: ``_a`` checks ``initial_margin_a``...)."""
    im = check_rate(f"initial_margin{suffix}", initial_margin, positive=True)
    mm = check_rate(f"maintenance_margin{suffix}", maintenance_margin, positive=True)
    label = f"{initial_label}{suffix}"
    check_order(f"maintenance_margin{suffix}", mm, label, im, why)
    return im, mm


def check_market(
    max_move: Any,
    *,
    max_trade: Any = None,
    start_price: Any = None,
    collateral: tuple[Any, Any] | None = None,
) -> tuple[Fraction, ...]:
    """The market's bounds, checked: ``max_move`` in ``(0, 1)`` and, where given,
    ``max_trade > 0``, ``start_price > 0`` and a collateral range of non-negative ends.
    Returns them in that order (the collateral as its two ends)."""
    out = [check_rate("max_move", max_move, positive=True, upper_open=True)]
    if max_trade is not None:
        out.append(check_fraction("max_trade", max_trade, positive=True))
    if start_price is not None:
        out.append(check_fraction("start_price", start_price, positive=True))
    if collateral is not None:
        out += [
            check_fraction("collateral (low end)", collateral[0], nonnegative=True),
            check_fraction("collateral (high end)", collateral[1], nonnegative=True),
        ]
    return tuple(out)


def check_longs(position: Any, collateral: Any, *more: tuple[str, Any]) -> None:
    """Accounts holding a long: ``position > 0``, ``collateral >= 0``, and each of
    ``more`` (name, value) ``> 0``."""
    for what, x in (("position", position), *more):
        check_fraction(what, x, positive=True)
    check_fraction("collateral", collateral, nonnegative=True)


def check_holdings(**ranges: tuple[Any, Any]) -> None:
    """Ranges ``(lo, hi)`` of initial holdings, non-negative with ``lo <= hi``."""
    for what, (lo, hi) in ranges.items():
        check_range(what, lo, hi, nonnegative=True)


# -- declarations --------------------------------------------------------------------------


def margin_params(spec: sv.Spec, im: Any, mm: Any) -> None:
    """Declare the parameters ``initial_margin`` and ``maintenance_margin``."""
    im, mm = Num(im), Num(mm)  # class bodies cannot see enclosing names they also define

    @spec.params
    class Params:
        initial_margin: Num = im
        maintenance_margin: Num = mm


def perp_book(spec: sv.Spec, price: Any, insurance: Any) -> None:
    """Declare the market's book that :func:`liquidation_keeper` and :func:`perp_claims`
    use: the mark ``price``, the ``insurance`` fund, the ``bad_debt`` written off beyond
    it and the count of ``liquidations`` (both from 0)."""
    price0, fund = price, insurance

    @spec.state
    class State:
        price: Num = price0
        insurance: Num = fund
        bad_debt: Num = Num("0")
        liquidations: Num = Num("0")


def account_fields(spec: sv.Spec, quote: Any, size: Any) -> None:
    """Declare each account's quote balance ``quote`` (collateral, may go negative) and its
    signed position ``size`` (``> 0`` long), with their initial values."""
    quote0, size0 = quote, size

    @spec.state
    class Accounts:
        quote: PerAccount[Num] = quote0
        size: PerAccount[Num] = size0


def move_envelope(spec: sv.Spec, max_move: Any) -> None:
    """Declare the envelope: a per-step return ``move`` within ``[-max_move, max_move]``."""
    lim = Num(max_move)

    @spec.envelope
    class Market:
        move: Num = sv.within(-lim, lim)


def mark_tick(spec: sv.Spec) -> None:
    """Declare the tick ``mark``: the price moves by the envelope's per-step return."""

    @spec.tick
    def mark(s: Any, m: Any) -> None:
        """The mark price moves by the envelope's per-step return."""
        s.price = s.price * (1 + m.move)


def liquidation_keeper(
    spec: sv.Spec,
    equity: Equity,
    notional: Equity,
    requirement: Requirement,
    position: str = "size",
    impact: Requirement | None = None,
    partial: bool = False,
) -> None:
    """Declare the keeper ``liquidate``, run every step: close an account below
    maintenance at the mark (its ``position`` field to 0), the fee to the insurance fund,
    the fund covers the deficit as far as it holds, the rest is bad debt
    (:func:`solvent.models.blocks.close_out`). ``impact(s, p, a)``, if given, is what
    closing the position costs beyond the mark (liquidation price impact).

    ``partial=True`` closes only the fraction of the position that restores maintenance
    (:func:`solvent.models.liquidation.partial_close_fraction`, the fee on the closed
    notional as its penalty; the requirement must be ``notional * maintenance_margin``):
    the account is left exactly at maintenance. Where that fraction is the whole position
    (equity at most the fee of a full close) the account is closed through the waterfall
    as above."""
    if partial:
        partial_keeper(spec, equity, notional, position)
        return

    @spec.keeper(every_step=True)
    def liquidate(s: Any, p: Any, a: int) -> None:
        """Close an account below maintenance at the mark price; run the loss waterfall."""
        requires(equity(s, a) < requirement(s, p, a))
        e = equity(s, a)
        if impact is not None:  # static: built with or without price impact
            e = e - impact(s, p, a)
        w = blocks.close_out(e, notional(s, a), p.liquidation_fee, s.insurance)
        s.insurance = s.insurance + w.fee - w.covered
        s.bad_debt = s.bad_debt + w.deficit - w.covered
        s.quote[a] = w.remaining
        getattr(s, position)[a] = 0
        s.liquidations = s.liquidations + 1


def partial_keeper(spec: sv.Spec, equity: Equity, notional: Equity, position: str) -> None:
    """The keeper ``liquidate`` of :func:`liquidation_keeper` with ``partial=True``."""

    @spec.keeper(every_step=True)
    def liquidate(s: Any, p: Any, a: int) -> None:
        """Close the fraction of a position below maintenance that restores it (all of it
        when the equity cannot pay a full close's fee: then run the loss waterfall)."""
        e, n = equity(s, a), notional(s, a)
        requires(e < blocks.requirement(n, p.maintenance_margin))
        f = liquidation.partial_close_fraction(e, n, p.maintenance_margin, p.liquidation_fee)
        full = f >= 1
        w = blocks.close_out(e, n, p.liquidation_fee, s.insurance)
        size = getattr(s, position)
        slice_fee = n * f * p.liquidation_fee
        s.insurance = when(full, s.insurance + w.fee - w.covered, s.insurance + slice_fee)
        s.bad_debt = when(full, s.bad_debt + w.deficit - w.covered, s.bad_debt)
        s.quote[a] = when(full, w.remaining, s.quote[a] + size[a] * f * s.price - slice_fee)
        size[a] = when(full, Num(0), size[a] * (1 - f))
        s.liquidations = s.liquidations + 1


def price_positive(spec: sv.Spec, field: str = "price") -> None:
    """Declare the lemma ``price_positive`` (or ``index_positive``): the price stays > 0."""

    def price_positive(s: Any) -> Any:
        return getattr(s, field) > 0

    what = "mark price" if field == "price" else field
    price_positive.__doc__ = f"The {what} stays positive (moves are bounded by the envelope)."
    price_positive.__name__ = f"{field}_positive"
    spec.lemma(price_positive)


def insurance_nonnegative(spec: sv.Spec) -> None:
    """Declare the lemma ``insurance_nonnegative``: the fund never goes below zero."""

    @spec.lemma
    def insurance_nonnegative(s: Any) -> Any:
        """The insurance fund never pays out more than it holds."""
        return s.insurance >= 0


def perp_claims(spec: sv.Spec, equity: Equity, requirement: Requirement) -> None:
    """Declare what a perp with a liquidation keeper run every step claims: the invariant
    ``solvent`` (no bad debt, no account below zero equity), the lemmas ``price_positive``,
    ``insurance_nonnegative`` and ``healthy`` (every account at maintenance after the
    keeper), the witness ``liquidation_happens`` and the metric ``account_equity``."""

    @spec.invariant
    def solvent(s: Any) -> Any:
        """Assets held cover all positive trader equity.

        Trades are zero-sum, so assets (deposits + insurance fund) cover every winner's
        equity exactly when no loser's deficit is left uncovered: no bad debt written off
        beyond the insurance fund, and no account below zero equity.
        """
        return (s.bad_debt <= 0) & sv.all_of(equity(s, a) >= 0 for a in s.accounts)

    price_positive(spec)
    insurance_nonnegative(spec)

    @spec.lemma
    def healthy(s: Any, p: Any, a: int) -> Any:
        """After the keeper runs, every account meets its maintenance requirement."""
        return equity(s, a) >= requirement(s, p, a)

    @spec.witness
    def liquidation_happens(s: Any) -> Any:
        """Some account gets liquidated (else a proof could be vacuous)."""
        return s.liquidations > 0

    equity_metric(spec, equity)


def equity_metric(spec: sv.Spec, equity: Equity) -> None:
    """Declare the metric ``account_equity`` (shown in replay tables)."""

    @spec.metric
    def account_equity(s: Any, p: Any, a: int) -> Any:
        return equity(s, a)
