"""A user's spec in the GMX style: a liquidity pool is every trader's counterparty.

The style (GMX v1/v2 longs against a stablecoin pool): per account ``collateral_usd``,
``size_usd`` and ``average_price`` (a position's size in USD, so its PnL is ``size_usd x
(price - average_price) / average_price``); one position per account, opened and closed
whole. Profit is capped: a position may win at most 10% of its size, and opening it
reserves that much of the pool (``reserved_usd``), which must stay within the pool.
A position below 1% of its size in collateral plus PnL is liquidated: its collateral
goes to the pool. The price moves at most 5% a step. The invariant is the LPs'
question, "the pool can pay every trader's pending profit", with lemmas the reserve
bookkeeping needs (the user wrote them; prove uses them).

Safe: the profit paid (and counted as pending) is capped by the position's reserve, so
pending profit <= reserved <= pool. ``BUG=1``: the cap is forgotten in the payout (the
reserve is still taken): a 1M position on the whole 100,000 pool is owed more than the
pool after two 5% rises: broken at depth 3 (the open, two rises). ``ACCOUNTS`` sets the
number of accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
gmx = sv.Spec("gmx-pool", accounts=int(os.environ.get("ACCOUNTS", "3")))


@gmx.params
class Market:
    max_leverage: Num = Num("50")
    max_profit_factor: Num = Num("0.10")
    liquidation_fee_factor: Num = Num("0.01")


@gmx.state
class Vault:
    price: Num = Num("2000")
    pool_amount: Num = Num("100000")
    reserved_usd: Num = Num("0")
    collateral_usd: PerAccount[Num] = Num("0")
    size_usd: PerAccount[Num] = Num("0")
    average_price: PerAccount[Num] = Num("2000")
    reserve_usd: PerAccount[Num] = Num("0")


@gmx.envelope
class Oracle:
    price_change: Num = sv.within("-0.05", "0.05")


@gmx.tick
def oracle(s, o):
    s.price = s.price * (1 + o.price_change)


def pnl(s, a):
    return s.size_usd[a] * (s.price - s.average_price[a]) / s.average_price[a]


def owed_pnl(s, a):
    """What closing the position now would take from (+) or give to (-) the pool."""
    delta = pnl(s, a) if BUG else sv.minimum(pnl(s, a), s.reserve_usd[a])
    return sv.maximum(delta, -s.collateral_usd[a])


@gmx.action(collateral_delta=sv.within("0", "50000"), size_delta=sv.within("0", "1000000"))
def increase_position(s, p, a, collateral_delta, size_delta):
    requires(s.size_usd[a] == 0)
    requires(size_delta > 0)
    requires(size_delta <= collateral_delta * p.max_leverage)
    reserve = size_delta * p.max_profit_factor
    requires(s.pool_amount - s.reserved_usd >= reserve)
    s.collateral_usd[a] = collateral_delta
    s.size_usd[a] = size_delta
    s.average_price[a] = s.price
    s.reserve_usd[a] = reserve
    s.reserved_usd = s.reserved_usd + reserve


def _close(s, a, pool_gets):
    s.pool_amount = s.pool_amount + pool_gets
    s.reserved_usd = s.reserved_usd - s.reserve_usd[a]
    s.collateral_usd[a] = 0
    s.size_usd[a] = 0
    s.reserve_usd[a] = 0
    s.average_price[a] = s.price


@gmx.action
def decrease_position(s, p, a):
    requires(s.size_usd[a] > 0)
    _close(s, a, -owed_pnl(s, a))


@gmx.keeper(every_step=True)
def liquidate_position(s, p, a):
    requires(s.size_usd[a] > 0)
    requires(s.collateral_usd[a] + pnl(s, a) < s.size_usd[a] * p.liquidation_fee_factor)
    _close(s, a, s.collateral_usd[a])


@gmx.invariant
def pool_covers_pending_profit(s):
    return s.pool_amount >= sum(sv.maximum(owed_pnl(s, a), 0) for a in s.accounts)


@gmx.lemma
def reserves_add_up(s):
    return s.reserved_usd == sum(s.reserve_usd[a] for a in s.accounts)


@gmx.lemma
def reserves_within_pool(s):
    return s.reserved_usd <= s.pool_amount


@gmx.lemma
def position_books(s, p, a):
    return (
        (s.reserve_usd[a] == s.size_usd[a] * p.max_profit_factor)
        & (s.size_usd[a] >= 0)
        & (s.collateral_usd[a] >= 0)
        & (s.average_price[a] > 0)
        & (s.price > 0)
    )
