"""A user's spec of funding from a clamped premium index, with a liquidator that can be late.

The style (dYdX v4's funding, ``reference/derivatives.md`` A1: ``rate = premium/8 +
interest`` each hour, the 8-hour rate clamped at ``600% x (IMF - MMF)``; PnL and margin
at the oracle price): per account ``usdc``, a signed ``contracts`` and its
``entry_price``, and the cumulative funding per contract when it opened
(``funding_at_entry``). The tick moves the oracle (at most 0.8% an hour) and draws the
premium of the book over the oracle (``premium``, up to 10% either way: a thin book); the
hour's funding ``oracle x clamp(premium/8 + interest)`` accrues to
``cumulative_funding`` and a long pays it (a short receives it) when it settles. IMF
3.5%, MMF 3%, so the 8-hour clamp is 600% x 0.5% = 3% and the hourly one 0.375%. The
liquidation keeper may be one hour late (``within=1``): it closes an account below
maintenance at the oracle, settling its funding. The invariant, per account: equity
(cash, PnL and unsettled funding) is never negative. No lemma.

Safe: two hours of the worst move and the clamped funding cost at most 2 x (0.8% +
0.375%) = 2.35% of the notional, less than the 3% maintenance. ``BUG=1``: the 8-hour
clamp (3%) is applied to the hourly rate, so a 10% premium costs 1.25% an hour: an
account opened at the initial margin loses 2.05% in the next hour (below maintenance;
the keeper is late) and 2.05% more in the one after: negative equity at depth 3.
``ACCOUNTS`` sets the number of accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
fr = sv.Spec("premium-clamp", accounts=int(os.environ.get("ACCOUNTS", "3")))


@fr.params
class Market:
    imf: Num = Num("0.035")
    mmf: Num = Num("0.03")
    clamp_factor: Num = Num("6")
    interest: Num = Num("0.0000125")


@fr.state
class Perp:
    oracle: Num = Num("2000")
    cumulative_funding: Num = Num("0")
    usdc: PerAccount[Num] = Num("0")
    contracts: PerAccount[Num] = Num("0")
    entry_price: PerAccount[Num] = Num("2000")
    funding_at_entry: PerAccount[Num] = Num("0")


@fr.envelope
class Hour:
    move: Num = sv.within("-0.008", "0.008")
    premium: Num = sv.within("-0.1", "0.1")


@fr.tick
def hour(s, p, h):
    s.oracle = s.oracle * (1 + h.move)
    eight_hour_cap = p.clamp_factor * (p.imf - p.mmf)
    cap = eight_hour_cap if BUG else eight_hour_cap / 8
    rate = sv.maximum(-cap, sv.minimum(cap, h.premium / 8 + p.interest))
    s.cumulative_funding = s.cumulative_funding + s.oracle * rate


def equity(s, a):
    pnl = s.contracts[a] * (s.oracle - s.entry_price[a])
    funding = s.contracts[a] * (s.cumulative_funding - s.funding_at_entry[a])
    return s.usdc[a] + pnl - funding


def notional(s, a):
    return abs(s.contracts[a]) * s.oracle


@fr.action(margin=sv.within("0", "100000"), size=sv.within("-500", "500"))
def open_position(s, p, a, margin, size):
    requires((s.contracts[a] == 0) & (margin > 0) & (size != 0))
    s.usdc[a] = s.usdc[a] + margin
    s.contracts[a] = size
    s.entry_price[a] = s.oracle
    s.funding_at_entry[a] = s.cumulative_funding
    requires(equity(s, a) >= notional(s, a) * p.imf)


@fr.action
def close_position(s, p, a):
    requires(s.contracts[a] != 0)
    s.usdc[a] = equity(s, a)
    s.contracts[a] = 0


@fr.keeper(within=1)
def liquidate(s, p, a):
    requires(s.contracts[a] != 0)
    requires(equity(s, a) < notional(s, a) * p.mmf)
    s.usdc[a] = equity(s, a)
    s.contracts[a] = 0


@fr.invariant
def no_negative_equity(s, p, a):
    return equity(s, a) >= 0
