"""Perp account margined at a manipulable oracle: unrealised PnL at the mark can be withdrawn.

The Mango Markets pattern (reference/derivatives.md B1): positions are marked at an oracle
price that follows a thin market and may sit far from the deep *index* price (the price at
which a position can really be closed). Per step the index moves by at most ``max_move``;
the oracle's deviation from it moves by at most ``max_push`` and stays within
``max_deviation`` (:mod:`solvent.models.oracle`).

Each account starts with ``collateral`` and a long ``position`` bought at ``start_price``.
``withdraw`` must leave the account at its initial margin, and the keeper liquidates an
account below maintenance (closing it at the index: a negative remainder is bad debt);
both check margin at ``margin_price``: ``"mark"`` (the oracle: the flaw), ``"index"`` or
``"worse"`` (the lower of the two for a long). The invariant ``solvent``: no bad debt and
no account below zero at the index.
"""

from __future__ import annotations

from typing import Any

import solvent as sv
from solvent import Num, requires
from solvent.errors import ModelParameterError
from solvent.models import blocks, fields, oracle
from solvent.models import blocks_perp as shared
from solvent.models.params import LONG, MARGINS, Knobs, count, number, rate, takes

DESCRIPTION = (
    "perp margined at a manipulable oracle vs a deep index; margin at mark, index or worse"
)

PRICES = ("mark", "index", "worse")


@sv.builder
@takes(
    name="oracle-margin",
    accounts=count(1),
    margin_price="mark",
    **MARGINS,
    max_move=rate("0.01", positive=True, upper_open=True),
    max_push=number("0.5", nonnegative=True),
    max_deviation=number("3", nonnegative=True),
    start_price=number("1", positive=True),
    **LONG.but(position="100", collateral="20"),
    max_withdraw=number("1000", positive=True),
)
def build(k: Knobs) -> sv.Spec:
    """Build the oracle-margined perp (see the module docstring)."""
    if k.margin_price not in PRICES:
        raise ModelParameterError(
            f"parameter margin_price = {k.margin_price!r}: give one of {', '.join(PRICES)}"
        )
    im, mm = shared.check_margins(k.initial_margin, k.maintenance_margin)
    quote0 = Num(k.collateral) - Num(k.position) * Num(k.start_price)
    spec = sv.Spec(k.name, accounts=k.accounts)
    shared.margin_params(spec, im, mm)
    fields.params(spec, **fields.nums(k, "max_deviation"))
    fields.state(spec, index=Num(k.start_price), **fields.zeros("deviation bad_debt"))

    shared.account_fields(spec, quote0, Num(k.position))

    @spec.envelope
    class Market:
        move: Num = sv.within(-Num(k.max_move), Num(k.max_move))
        push: Num = sv.within(-Num(k.max_push), Num(k.max_push))

    def mark(s: Any) -> Any:
        return oracle.oracle_price(s.index, s.deviation)

    def checked(s: Any, a: int) -> Any:
        """The price margin is checked at."""
        if k.margin_price == "mark":
            return mark(s)
        if k.margin_price == "index":
            return s.index
        return oracle.worse_price(s.size[a], mark(s), s.index)

    def margin_ok(s: Any, a: int, rate: Any) -> Any:
        price = checked(s, a)
        return blocks.equity(s.quote[a], s.size[a], price) >= blocks.requirement(
            blocks.notional(s.size[a], price), rate
        )

    @spec.tick
    def market(s: Any, p: Any, m: Any) -> None:
        """The index moves; the oracle's deviation is pushed, within its total bound."""
        s.index = s.index * (1 + m.move)
        s.deviation = oracle.next_deviation(s.deviation, m.push, p.max_deviation)

    @spec.action(amount=sv.within("0", Num(k.max_withdraw)))
    def withdraw(s: Any, p: Any, a: int, amount: Any) -> None:
        """Withdraw collateral (or unrealised profit) down to the initial margin."""
        s.quote[a] = s.quote[a] - amount
        requires(margin_ok(s, a, p.initial_margin))

    @spec.keeper(every_step=True)
    def liquidate(s: Any, p: Any, a: int) -> None:
        """Close an account below maintenance at the index; a deficit is bad debt."""
        requires(~margin_ok(s, a, p.maintenance_margin))
        e = blocks.equity(s.quote[a], s.size[a], s.index)
        s.bad_debt = s.bad_debt + sv.maximum(-e, 0)
        s.quote[a] = sv.maximum(e, 0)
        s.size[a] = 0

    @spec.invariant
    def solvent(s: Any) -> Any:
        """No bad debt, and every account covers its position at the index."""
        return (s.bad_debt <= 0) & sv.all_of(
            blocks.equity(s.quote[a], s.size[a], s.index) >= 0 for a in s.accounts
        )

    shared.price_positive(spec, "index")

    @spec.lemma
    def longs_only(s: Any, p: Any, a: int) -> Any:
        """Positions are longs or closed (nothing opens a short)."""
        return s.size[a] >= 0

    if k.margin_price != "mark":

        @spec.lemma
        def healthy(s: Any, p: Any, a: int) -> Any:
            """After the keeper, every account meets maintenance at the margin price."""
            return margin_ok(s, a, p.maintenance_margin)

    @spec.metric
    def oracle_price(s: Any, p: Any) -> Any:
        return mark(s)

    @spec.metric
    def equity_at_index(s: Any, p: Any, a: int) -> Any:
        return blocks.equity(s.quote[a], s.size[a], s.index)

    @spec.metric
    def equity_at_mark(s: Any, p: Any, a: int) -> Any:
        return blocks.equity(s.quote[a], s.size[a], mark(s))

    return spec
