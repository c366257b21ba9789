"""A user's spec in the Drift style: margin, position and average entry price per account.

The style: ``margin``/``position``/``avg_price`` (not collateral/size/entry), PnL settled
into margin on each trade, a liquidation fee paid to the insurance fund, the fund clamped
at 0 with the rest booked as ``bad_debt``, and only the invariant the user cares about,
``bad_debt == 0``: no lemma. Maintenance 6.25% under 5% moves is safe for every number of
accounts (the lemmas the proof needs are inferred). ``MMR=0.04``: a 5% gap leaves a
deficit; ``FUND`` sets the fund (default 1000: the first deficits are paid, bad debt
needs a large position; ``FUND=0``: bad debt 3 steps after one trade). ``ACCOUNTS`` sets
the number of accounts (default 5).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

m = sv.Spec("drift-user", accounts=int(os.environ.get("ACCOUNTS", "5")))


@m.params
class P:
    mmr: Num = Num(os.environ.get("MMR", "0.0625"))
    imr: Num = Num("0.10")
    liq_fee: Num = Num("0.01")


@m.state
class S:
    oracle: Num = Num("150")
    fund: Num = Num(os.environ.get("FUND", "1000"))
    bad_debt: Num = Num("0")
    margin: PerAccount[Num] = sv.within("0", "5000")
    position: PerAccount[Num] = Num("0")
    avg_price: PerAccount[Num] = Num("150")


@m.envelope
class Gap:
    r: Num = sv.within("-0.05", "0.05")


@m.tick
def move(s, g):
    s.oracle = s.oracle * (1 + g.r)


def eq(s, a):
    return s.margin[a] + s.position[a] * (s.oracle - s.avg_price[a])


@m.action(dq=sv.within("-100", "100"))
def open_position(s, p, a, dq):
    s.margin[a] = eq(s, a)
    s.avg_price[a] = s.oracle
    s.position[a] = s.position[a] + dq
    requires(eq(s, a) >= sv.abs(s.position[a]) * s.oracle * p.imr)


@m.keeper(every_step=True)
def liquidate(s, p, a):
    e = eq(s, a)
    notional = sv.abs(s.position[a]) * s.oracle
    requires(e < notional * p.mmr)
    fee = sv.minimum(sv.maximum(e, 0), notional * p.liq_fee)
    rest = e - fee
    s.fund = s.fund + fee + sv.minimum(rest, 0)
    s.bad_debt = s.bad_debt + sv.maximum(-s.fund, 0)
    s.fund = sv.maximum(s.fund, 0)
    s.margin[a] = sv.maximum(rest, 0)
    s.position[a] = 0
    s.avg_price[a] = s.oracle


@m.invariant
def no_bad_debt(s):
    return s.bad_debt == 0
