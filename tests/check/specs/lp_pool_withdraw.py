"""A user's spec of a GMX-style LP pool: the LPs are the traders' counterparty and may withdraw.

The style (GMX, ``reference/derivatives.md`` A3: "LPs take the other side of traders'
PnL", the pool caps and ``maxPnlFactorForWithdrawals``): each account is both an LP
(``lp_usd``, its share of the pool in USD) and a trader with at most one long
(``long_eth`` tokens at ``long_entry``, with ``margin_usd``). The pool (``pool_usd``)
pays traders' profits and keeps their losses. A long's profit is capped at 20% of its
notional at entry; opening it reserves that cap (``reserved_usd``), and the reserve must
stay within 95% of the pool (GMX's default ``reserveFactor``). A long closes whole: the
pool pays the capped profit or takes the loss, up to the margin. ETH moves at most 5% a
step. The invariant is the LPs' own question, "the pool can pay every open long's
pending (capped) profit". No lemma.

Safe: an LP withdraws only what the pool holds beyond the reserves (``pool - amount >=
reserved``): the reserve is the most a long can ever be owed. ``BUG=1``: the withdrawal
cap is GMX's pool value less today's pending PnL (``pool - amount >= pending profit``),
which ignores the profit still to come: an LP deposit, a long opened on it, the LP
withdrawing all but the (zero) pending profit, one rise of 5%: depth 4. ``ACCOUNTS`` sets
the number of accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
glp = sv.Spec("lp-pool-withdraw", accounts=int(os.environ.get("ACCOUNTS", "3")))


@glp.params
class Market:
    max_profit: Num = Num("0.2")
    reserve_factor: Num = Num("0.95")
    max_leverage: Num = Num("10")


@glp.state
class Pool:
    eth_usd: Num = Num("3000")
    pool_usd: Num = Num("0")
    reserved_usd: Num = Num("0")
    lp_usd: PerAccount[Num] = Num("0")
    margin_usd: PerAccount[Num] = Num("0")
    long_eth: PerAccount[Num] = Num("0")
    long_entry: PerAccount[Num] = Num("3000")


@glp.envelope
class Feed:
    eth_return: Num = sv.within("-0.05", "0.05")


@glp.tick
def feed(s, f):
    s.eth_usd = s.eth_usd * (1 + f.eth_return)


def cap(s, p, a):
    return s.long_eth[a] * s.long_entry[a] * p.max_profit


def owed(s, p, a):
    """What closing the long now takes from the pool (+) or gives it (-)."""
    pnl = s.long_eth[a] * (s.eth_usd - s.long_entry[a])
    return sv.maximum(sv.minimum(pnl, cap(s, p, a)), -s.margin_usd[a])


def pending_profit(s, p):
    return sum(sv.maximum(owed(s, p, a), 0) for a in s.accounts)


@glp.action(amount=sv.within("0", "1000000"))
def add_liquidity(s, p, a, amount):
    requires(amount > 0)
    s.lp_usd[a] = s.lp_usd[a] + amount
    s.pool_usd = s.pool_usd + amount


@glp.action(amount=sv.within("0", "1000000"))
def remove_liquidity(s, p, a, amount):
    requires((amount > 0) & (amount <= s.lp_usd[a]))
    if BUG:
        requires(s.pool_usd - amount >= pending_profit(s, p))
    else:
        requires(s.pool_usd - amount >= s.reserved_usd)
    s.lp_usd[a] = s.lp_usd[a] - amount
    s.pool_usd = s.pool_usd - amount


@glp.action(margin=sv.within("0", "100000"), eth=sv.within("0", "300"))
def open_long(s, p, a, margin, eth):
    requires((s.long_eth[a] == 0) & (eth > 0) & (margin > 0))
    requires(eth * s.eth_usd <= margin * p.max_leverage)
    reserve = eth * s.eth_usd * p.max_profit
    requires(s.reserved_usd + reserve <= s.pool_usd * p.reserve_factor)
    s.margin_usd[a] = margin
    s.long_eth[a] = eth
    s.long_entry[a] = s.eth_usd
    s.reserved_usd = s.reserved_usd + reserve


@glp.action
def close_long(s, p, a):
    requires(s.long_eth[a] > 0)
    s.pool_usd = s.pool_usd - owed(s, p, a)
    s.reserved_usd = s.reserved_usd - cap(s, p, a)
    s.margin_usd[a] = 0
    s.long_eth[a] = 0
    s.long_entry[a] = s.eth_usd


@glp.invariant
def pool_pays_pending_profit(s, p):
    return s.pool_usd >= pending_profit(s, p)
