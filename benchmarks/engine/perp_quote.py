"""Engine benchmark spec: the isolated perpetual written with quote + size (no entry price).

Each account holds ``quote`` cash and a ``size`` position; its equity is
``quote + size * price``. A trade moves cash against the position at the mark; the keeper
closes an account below maintenance at the mark and the fund pays its deficit; invariant:
the fund never goes negative. The same knobs as ``perp_entry.py``: ``ACCOUNTS``, ``MM``
(0.05 buggy, 0.08 safe), ``NEEDLE=1``, ``LEMMAS=1``, ``FEES=1``, ``FIXED=1``,
``MARKETS=2``.

    ACCOUNTS=10 MM=0.05 solvent bmc benchmarks/engine/perp_quote.py --depth 5
"""

import operator
import os

import solvent as sv
from solvent import Num, PerAccount, requires

N = int(os.environ.get("ACCOUNTS", "3"))
MM = os.environ.get("MM", "0.05")
NEEDLE = os.environ.get("NEEDLE") == "1"
LEMMAS = os.environ.get("LEMMAS") == "1"
FEES = os.environ.get("FEES") == "1"
FIXED = os.environ.get("FIXED") == "1"
TWO = os.environ.get("MARKETS") == "2"
# fixed point: say how a product rounds. In the protocol's favour: what an account is
# paid (its PnL) rounded down, what it owes (margin, fees, a trade's cost) rounded up, and
# the oracle's price on the grid within the envelope (its change rounded toward zero);
# ``FLOOR=1``: every product rounded down (one unit of deficit a liquidation can leak)
FLOOR = os.environ.get("FLOOR") == "1"
mul = sv.mul_down if FIXED else operator.mul
owed = sv.mul_up if FIXED and not FLOOR else mul


def moved(price, move):
    """The mark after a move (fixed point: on the grid, never past the envelope)."""
    if FIXED and not FLOOR:
        return price + sv.when(move >= 0, sv.mul_down(price, move), sv.mul_up(price, move))
    return mul(price, 1 + move)


if FIXED:
    perp = sv.Spec("perp-quote", accounts=N, arithmetic="fixed", decimals=6)
else:
    perp = sv.Spec("perp-quote", accounts=N)


@perp.params
class Params:
    mm: Num = Num(MM)
    im: Num = Num("0.10")
    fee: Num = Num("0.0005" if FEES else "0")


@perp.state
class State:
    price: Num = Num("2000")
    price2: Num = Num("100")
    fund: Num = Num("100")
    quote: PerAccount[Num] = sv.within("0", "10000")
    size: PerAccount[Num] = Num("0")
    size2: PerAccount[Num] = Num("0")


@perp.envelope
class Market:
    move: Num = sv.within("-0.08", "0.08")
    move2: Num = sv.within("-0.08", "0.08")


@perp.tick
def mark(s, m):
    s.price = moved(s.price, m.move)
    if TWO:
        s.price2 = moved(s.price2, m.move2)


def equity(s, a):
    eq = s.quote[a] + mul(s.size[a], s.price)
    if TWO:
        eq = eq + mul(s.size2[a], s.price2)
    return eq


def notional(s, a):
    total = owed(sv.abs(s.size[a]), s.price)
    if TWO:
        total = total + owed(sv.abs(s.size2[a]), s.price2)
    return total


@perp.action(qty=sv.within("-50", "50"))
def trade(s, p, a, qty):
    paid = owed(owed(sv.abs(qty), s.price), p.fee)
    s.quote[a] = s.quote[a] - owed(qty, s.price) - paid
    s.fund = s.fund + paid
    s.size[a] = s.size[a] + qty
    requires(equity(s, a) >= owed(notional(s, a), p.im))


if TWO:

    @perp.action(qty=sv.within("-1000", "1000"))
    def trade2(s, p, a, qty):
        paid = owed(owed(sv.abs(qty), s.price2), p.fee)
        s.quote[a] = s.quote[a] - owed(qty, s.price2) - paid
        s.fund = s.fund + paid
        s.size2[a] = s.size2[a] + qty
        requires(equity(s, a) >= owed(notional(s, a), p.im))


def maintenance_rate(p, total):
    """The maintenance rate for a notional (with ``NEEDLE``: the stale 7% bracket)."""
    if NEEDLE:
        return sv.when((total >= 74000) & (total < 75000), Num("0.07"), p.mm)
    return p.mm


@perp.keeper(every_step=True)
def liquidate(s, p, a):
    eq = equity(s, a)
    total = notional(s, a)
    requires(eq < owed(total, maintenance_rate(p, total)))
    s.fund = s.fund + sv.minimum(eq, 0)
    s.quote[a] = sv.maximum(eq, 0)
    s.size[a] = 0
    s.size2[a] = 0


@perp.invariant
def fund_ok(s):
    return s.fund >= 0


if LEMMAS:

    @perp.lemma
    def prices_positive(s):
        return (s.price > 0) & (s.price2 > 0)

    @perp.lemma
    def healthy(s, p, a):
        # after the keepers, every account is above maintenance or closed: with a
        # maintenance rate >= the largest move, a move cannot take its equity below zero
        total = notional(s, a)
        return equity(s, a) >= owed(total, maintenance_rate(p, total))
