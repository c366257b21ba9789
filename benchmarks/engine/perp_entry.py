"""Engine benchmark spec: the isolated perpetual written with collateral + entry price.

PnL is settled into collateral on each trade; the keeper closes an account below
maintenance at the mark and the insurance fund pays its deficit; invariant: the fund
never goes negative. Environment: ``ACCOUNTS`` (default 3), ``MM`` the maintenance rate
(0.05: the gap-risk bug under 8% moves; 0.08: safe), ``NEEDLE=1`` a stale tier bracket
(7% instead of ``MM`` for notionals in [74,000, 75,000)).

    ACCOUNTS=10 MM=0.05 solvent bmc benchmarks/engine/perp_entry.py --depth 5
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

N = int(os.environ.get("ACCOUNTS", "3"))
MM = os.environ.get("MM", "0.05")
NEEDLE = os.environ.get("NEEDLE") == "1"
perp = sv.Spec("perp-entry", accounts=N)


@perp.params
class Params:
    maintenance_margin: Num = Num(MM)
    initial_margin: Num = Num("0.10")


@perp.state
class State:
    price: Num = Num("2000")
    insurance: Num = Num("100")
    coll: PerAccount[Num] = sv.within("0", "10000")
    size: PerAccount[Num] = Num("0")
    entry: PerAccount[Num] = Num("2000")


@perp.envelope
class Market:
    move: Num = sv.within("-0.08", "0.08")


@perp.tick
def mark(s, m):
    s.price = s.price * (1 + m.move)


@perp.action(qty=sv.within("-50", "50"))
def trade(s, p, a, qty):
    pnl = s.size[a] * (s.price - s.entry[a])
    s.coll[a] = s.coll[a] + pnl
    s.entry[a] = s.price
    s.size[a] = s.size[a] + qty
    requires(s.coll[a] >= sv.abs(s.size[a]) * s.price * p.initial_margin)


@perp.keeper(every_step=True)
def liquidate(s, p, a):
    eq = s.coll[a] + s.size[a] * (s.price - s.entry[a])
    notional = sv.abs(s.size[a]) * s.price
    if NEEDLE:
        rate = sv.when((notional >= 74000) & (notional < 75000), Num("0.07"), p.maintenance_margin)
    else:
        rate = p.maintenance_margin
    requires(eq < notional * rate)
    s.insurance = s.insurance + sv.minimum(eq, 0)
    s.coll[a] = sv.maximum(eq, 0)
    s.size[a] = 0
    s.entry[a] = s.price


@perp.invariant
def fund_ok(s):
    return s.insurance >= 0
