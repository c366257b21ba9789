"""A user's spec of partial liquidation with a close factor and a keeper's penalty.

The style (a risk engineer's model of an order-book perp whose liquidator closes part of
a position per keeper step): per account ``margin_usdc``, a long ``size_eth`` and its
``entry_price``; no lemma about the books. Figures from dYdX v4's Mid-Cap tier (initial
margin 5%, maintenance 3%, ``reference/derivatives.md`` A1) and its maximum liquidation
penalty, 1.5% of the notional closed, capped at the equity left (A1, "fee charged =
min(1.5% x |quote received|, leftover collateral above bankruptcy price)"); here the
penalty goes to the keeper (``keeper_rewards``). The price moves at most 2% a step.
The invariant: no account's equity is negative (no bad debt).

Safe: the keeper closes half the position (the close factor) when the half left, after
the penalty, meets maintenance, and the whole position otherwise (Aave's rule: the close
factor is 100% below a health threshold); the lemma a user adds after prove's CTI says
every open position meets maintenance after the keeper. ``BUG=1``: the keeper always
closes half: an open at 20x, two 2% falls (the keeper closes half, the half left is
below maintenance) and one more fall: equity negative at depth 4.
``ACCOUNTS`` sets the number of accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
perp = sv.Spec("close-factor", accounts=int(os.environ.get("ACCOUNTS", "3")))


@perp.params
class MidCap:
    initial_margin: Num = Num("0.05")
    maintenance_margin: Num = Num("0.03")
    liquidation_penalty: Num = Num("0.015")
    close_factor: Num = Num("0.5")


@perp.state
class Book:
    oracle_price: Num = Num("2000")
    keeper_rewards: Num = Num("0")
    margin_usdc: PerAccount[Num] = Num("0")
    size_eth: PerAccount[Num] = Num("0")
    entry_price: PerAccount[Num] = Num("2000")


@perp.envelope
class Oracle:
    price_move: Num = sv.within("-0.02", "0.02")


@perp.tick
def oracle(s, o):
    s.oracle_price = s.oracle_price * (1 + o.price_move)


def equity(s, a):
    return s.margin_usdc[a] + s.size_eth[a] * (s.oracle_price - s.entry_price[a])


def maintenance(s, p, a):
    return s.size_eth[a] * s.oracle_price * p.maintenance_margin


@perp.action(margin=sv.within("0", "10000"), size=sv.within("0", "100"))
def open_long(s, p, a, margin, size):
    requires(s.size_eth[a] == 0)
    requires((size > 0) & (margin >= size * s.oracle_price * p.initial_margin))
    s.margin_usdc[a] = margin
    s.size_eth[a] = size
    s.entry_price[a] = s.oracle_price


@perp.action
def close_long(s, p, a):
    requires(s.size_eth[a] > 0)
    s.margin_usdc[a] = 0
    s.size_eth[a] = 0
    s.entry_price[a] = s.oracle_price


@perp.keeper(every_step=True)
def liquidate(s, p, a):
    requires(s.size_eth[a] > 0)
    requires(equity(s, a) < maintenance(s, p, a))
    half = s.size_eth[a] * p.close_factor
    half_penalty = sv.minimum(half * s.oracle_price * p.liquidation_penalty, equity(s, a))
    left = equity(s, a) - half_penalty
    half_is_enough = left >= (s.size_eth[a] - half) * s.oracle_price * p.maintenance_margin
    closed = half if BUG else sv.when(half_is_enough, half, s.size_eth[a])
    penalty = sv.maximum(
        sv.minimum(closed * s.oracle_price * p.liquidation_penalty, equity(s, a)), 0
    )
    # the position left keeps its entry: its PnL so far is realised into the margin
    s.margin_usdc[a] = equity(s, a) - penalty
    s.entry_price[a] = s.oracle_price
    s.size_eth[a] = s.size_eth[a] - closed
    s.keeper_rewards = s.keeper_rewards + penalty


@perp.invariant
def no_bad_debt(s, p, a):
    return equity(s, a) >= 0


if not BUG:

    @perp.lemma
    def open_positions_meet_maintenance(s, p, a):
        return (s.size_eth[a] >= 0) & (s.oracle_price > 0) & (equity(s, a) >= maintenance(s, p, a))
