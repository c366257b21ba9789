"""A user's isolated perp with a cumulative funding index (Binance/dYdX style).

Each account keeps ``col``, ``qty``, its ``entry`` price and the funding index ``idx0`` at
entry; the tick moves the price and adds ``fr * px`` to the index; the keeper closes an
account below maintenance at the mark and the fund ``ins`` pays its deficit. Maintenance
5% under 8% moves and a fund of 500: one liquidation's deficit is at most about 3% of a
20,000 notional, so the fund goes negative only at depth 4 (on one account). The
non-incremental queries (``deepest``, ``fresh``) find it in under a second; the
incremental unrolling does not answer depth 4 within any resource cap (its nonlinear
steps barely advance Z3's counter). ``FUND`` sets the fund's start (default 500): at
50,000 on 3 accounts no path of 5 steps breaks it (a liquidation of an account that met
maintenance the step before costs the fund at most about 3.1% of a notional below
30,000: 15 of them stay under 14,000), a PASS bmc does not reach (issue 13).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

m = sv.Spec("funding-index", accounts=1)


@m.params
class P:
    maint: Num = Num("0.05")
    init: Num = Num("0.2")


@m.state
class S:
    px: Num = Num("2000")
    idx: Num = Num("0")
    ins: Num = Num(os.environ.get("FUND", "500"))
    col: PerAccount[Num] = sv.within("0", "10000")
    qty: PerAccount[Num] = Num("0")
    entry: PerAccount[Num] = Num("2000")
    idx0: PerAccount[Num] = Num("0")


@m.envelope
class Market:
    move: Num = sv.within("-0.08", "0.08")
    fr: Num = sv.within("-0.001", "0.001")


@m.tick
def step(s, g):
    s.px = s.px * (1 + g.move)
    s.idx = s.idx + g.fr * s.px


def value(s, a):
    return s.col[a] + s.qty[a] * (s.px - s.entry[a]) - s.qty[a] * (s.idx - s.idx0[a])


@m.action(size=sv.within("-10", "10"))
def trade(s, p, a, size):
    requires(s.qty[a] == 0)
    s.qty[a] = size
    s.entry[a] = s.px
    s.idx0[a] = s.idx
    requires(s.col[a] >= sv.abs(size) * s.px * p.init)


@m.keeper(every_step=True)
def liquidate(s, p, a):
    v = value(s, a)
    requires(v < sv.abs(s.qty[a]) * s.px * p.maint)
    s.ins = s.ins + sv.minimum(v, 0)
    s.col[a] = sv.maximum(v, 0)
    s.qty[a] = 0
    s.entry[a] = s.px
    s.idx0[a] = s.idx


@m.invariant
def fund_solvent(s):
    return s.ins >= 0
