"""Engine benchmark spec: the isolated perpetual written with collateral + entry price.

PnL is settled into collateral on each trade; the keeper closes an account below
maintenance at the mark and the insurance fund pays its deficit; invariant: the fund
never goes negative. Environment: ``ACCOUNTS`` (default 3), ``MM`` the maintenance rate
(0.05: the gap-risk bug under 8% moves; 0.08: safe), ``NEEDLE=1`` a stale tier bracket
(7% instead of ``MM`` for notionals in [74,000, 75,000)), ``LEMMAS=1`` per-account
lemmas, ``FEES=1`` a 0.05% trading fee paid into the fund, ``FIXED=1`` fixed-point
arithmetic (6 decimals, rounded in the protocol's favour; with ``FLOOR=1`` every product
rounded down), ``MARKETS=2`` a second market (own price, move and position;
the keeper looks at the account's whole equity and maintenance).

    ACCOUNTS=10 MM=0.05 solvent bmc benchmarks/engine/perp_entry.py --depth 5
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
    perp = sv.Spec("perp-entry", accounts=N, arithmetic="fixed", decimals=6)
else:
    perp = sv.Spec("perp-entry", accounts=N)


@perp.params
class Params:
    maintenance_margin: Num = Num(MM)
    initial_margin: Num = Num("0.10")
    fee: Num = Num("0.0005" if FEES else "0")


@perp.state
class State:
    price: Num = Num("2000")
    price2: Num = Num("100")
    insurance: Num = Num("100")
    coll: PerAccount[Num] = sv.within("0", "10000")
    size: PerAccount[Num] = Num("0")
    entry: PerAccount[Num] = Num("2000")
    size2: PerAccount[Num] = Num("0")
    entry2: PerAccount[Num] = Num("100")


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
    eq = s.coll[a] + mul(s.size[a], s.price - s.entry[a])
    if TWO:
        eq = eq + mul(s.size2[a], s.price2 - s.entry2[a])
    return eq


def notional(s, a):
    total = owed(sv.abs(s.size[a]), s.price)
    if TWO:
        total = total + owed(sv.abs(s.size2[a]), s.price2)
    return total


@perp.action(qty=sv.within("-50", "50"))
def trade(s, p, a, qty):
    pnl = mul(s.size[a], s.price - s.entry[a])
    paid = owed(owed(sv.abs(qty), s.price), p.fee)
    s.coll[a] = s.coll[a] + pnl - paid
    s.insurance = s.insurance + paid
    s.entry[a] = s.price
    s.size[a] = s.size[a] + qty
    requires(equity(s, a) >= owed(notional(s, a), p.initial_margin))


if TWO:

    @perp.action(qty=sv.within("-1000", "1000"))
    def trade2(s, p, a, qty):
        pnl = mul(s.size2[a], s.price2 - s.entry2[a])
        paid = owed(owed(sv.abs(qty), s.price2), p.fee)
        s.coll[a] = s.coll[a] + pnl - paid
        s.insurance = s.insurance + paid
        s.entry2[a] = s.price2
        s.size2[a] = s.size2[a] + qty
        requires(equity(s, a) >= owed(notional(s, a), p.initial_margin))


def maintenance_rate(p, total):
    """The maintenance rate for a notional (with ``NEEDLE``: the stale 7% bracket)."""
    if NEEDLE:
        return sv.when((total >= 74000) & (total < 75000), Num("0.07"), p.maintenance_margin)
    return p.maintenance_margin


@perp.keeper(every_step=True)
def liquidate(s, p, a):
    eq = equity(s, a)
    total = notional(s, a)
    requires(eq < owed(total, maintenance_rate(p, total)))
    s.insurance = s.insurance + sv.minimum(eq, 0)
    s.coll[a] = sv.maximum(eq, 0)
    s.size[a] = 0
    s.entry[a] = s.price
    s.size2[a] = 0
    s.entry2[a] = s.price2


@perp.invariant
def fund_ok(s):
    return s.insurance >= 0


if LEMMAS:

    @perp.lemma
    def prices_positive(s):
        return (s.price > 0) & (s.price2 > 0)

    if not TWO:  # with two markets collateral alone may go below zero

        @perp.lemma
        def collateral_nonnegative(s, p, a):
            return s.coll[a] >= 0

    @perp.lemma
    def healthy(s, p, a):
        # after the keepers, every account is above maintenance or closed: with a
        # maintenance rate >= the largest move, a move cannot take its equity below zero
        total = notional(s, a)
        return equity(s, a) >= owed(total, maintenance_rate(p, total))
