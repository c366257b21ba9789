"""Liquidation mechanics of real venues, as plain functions (traced values inside a spec,
``Fraction``s outside one); known-answer tests in tests/models/test_liquidation_blocks.py.

- :func:`partial_close_fraction`: the fraction of a position to close so that the account
  meets maintenance again (dYdX v4, Hyperliquid, Binance liquidate in parts,
  reference/derivatives.md A1, A2, A8);
- :func:`crowded_impact`: liquidations in one step share the book's depth *in order*: the
  i-th one executes at the impact of everything closed before it plus itself (the CRV
  pattern, B8), where each alone would see only its own;
- :func:`adl_rank` and :func:`adl_take`: auto-deleveraging ranks winners by profit times
  leverage and reduces the top winner's position, not only its equity (B9).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from solvent.lang.functions import maximum, minimum, sum_, when


def partial_close_fraction(
    equity: Any, notional: Any, maintenance_margin: Any, penalty: Any = 0
) -> Any:
    """The fraction ``f`` of a position to close at the mark so that the rest meets
    maintenance: with a liquidation penalty ``penalty`` (fraction of the closed notional)
    the rest must satisfy ``equity - f*notional*penalty >= (1 - f)*notional*mm``, so

        f = (notional*mm - equity) / (notional*(mm - penalty))

    clamped to ``[0, 1]`` (0: nothing to close; 1: close everything, e.g. when the
    equity is below the penalty of a full close). ``mm > penalty`` is required.
    """
    need = notional * maintenance_margin - equity
    return minimum(maximum(need / (notional * (maintenance_margin - penalty)), 0), 1)


def crowded_impact(depth_used: Any, notional: Any, depth: Any) -> Any:
    """The price impact (a fraction of the price, at most 1) of a liquidation of
    ``notional`` after ``depth_used`` of the book's ``depth`` was already consumed in the
    same step: ``min((depth_used + notional) / depth, 1)`` (a linear book)."""
    return minimum((depth_used + notional) / depth, 1)


def adl_rank(pnl: list[Fraction], equity: list[Fraction], notional: list[Fraction]) -> list[int]:
    """Accounts in ADL order: winners (pnl > 0) by profit x leverage
    (``pnl/equity * notional/equity``, the Binance/Bybit ranking), highest first, ties
    by account index; losers and flat accounts are not deleveraged."""
    keyed = []
    for a, (p, e, n) in enumerate(zip(pnl, equity, notional, strict=True)):
        if p > 0 and e > 0:
            keyed.append((-(Fraction(p) / e) * (Fraction(n) / e), a))
    return [a for _, a in sorted(keyed)]


def adl_take(size: Any, price: Any, quote: Any, deficit: Any) -> tuple[Any, Any, Any]:
    """Deleverage one winner by ``deficit`` (at most its equity): take ``covered`` from its
    equity and close the same fraction of its position at the mark, so its leverage is
    unchanged; returns ``(new_size, new_quote, covered)``. The winner keeps the rest of
    its position with the rest of its equity, instead of a position held at zero equity.
    Works on traced values inside a spec and on numbers outside one."""
    size, price, quote, deficit = (_exact(x) for x in (size, price, quote, deficit))
    equity = quote + size * price
    covered = minimum(maximum(deficit, 0), maximum(equity, 0))
    closed = size * (covered / when(equity > 0, equity, 1))
    return size - closed, quote + closed * price - covered, covered


def adl_shares(
    deficit: Any, eligible: list[Any], pnl: list[Any], equity: list[Any], notional: list[Any]
) -> list[Any]:
    """What each account pays of ``deficit`` when ADL takes the winners in the order of
    :func:`adl_rank` (traced values inside a spec): account ``b`` pays
    ``min(equity_b, max(deficit - equity of the winners ranked before it, 0))`` if
    ``eligible[b]`` (a profitable opposite position with positive equity), else 0. The rank
    compares ``pnl * notional / equity**2`` cross-multiplied (equities are positive where
    it matters), ties by account index."""
    n = len(equity)

    def before(c: int, b: int) -> Any:
        mine = pnl[b] * notional[b] * equity[c] * equity[c]
        theirs = pnl[c] * notional[c] * equity[b] * equity[b]
        ahead = theirs > mine
        if c < b:
            ahead = ahead | (theirs == mine)
        return eligible[c] & ahead

    shares = []
    for b in range(n):
        ahead = [when(before(c, b), equity[c], 0) for c in range(n) if c != b]
        rest = maximum(deficit - sum_(ahead), 0)
        shares.append(when(eligible[b], minimum(equity[b], rest), 0))
    return shares


def _exact(x: Any) -> Any:
    """Plain numbers as Fractions; traced values as they are."""
    from solvent.lang.values import Value, to_fraction

    return x if isinstance(x, Value) else to_fraction(x)


def liquidation_price_mm_at_entry(
    entry: Any, size: Any, leverage: Any, mmr: Any, extra: Any = 0, deduction: Any = 0
) -> Fraction:
    """Isolated liquidation price with the maintenance margin taken at the *entry* value
    (Bybit, reference/derivatives.md A9): ``IM = value / leverage``, ``MM = value * MMR -
    deduction`` with ``value = |size| * entry``, and

        long:  entry - (IM - MM) / |size| - extra / |size|
        short: entry + (IM - MM) / |size| + extra / |size|

    The other convention, maintenance at the liquidation price itself (dYdX, Binance), is
    :func:`solvent.models.blocks.liquidation_price`; with the same inputs they differ
    (Bybit's example: 19,700 here, 19,698.49 there).
    """
    entry, size, lev = Fraction(entry), Fraction(size), Fraction(leverage)
    mmr, extra, deduction = Fraction(mmr), Fraction(extra), Fraction(deduction)
    units = abs(size)
    value = units * entry
    im, mm = value / lev, value * mmr - deduction
    shift = (im - mm) / units + extra / units
    return entry - shift if size > 0 else entry + shift
