"""A user's spec in the dYdX style: a quote balance and a signed base amount per account.

The style: ``quote_balance`` (USDC) and ``base_amount`` per account, no entry price (the
trade moves quote against base at the index price, so equity is ``quote + base x
index``); a taker fee on every trade goes to the insurance fund, and a liquidation pays
the liquidator (``keeper_rewards``) a fee of 2.5% of the closed notional; what the
account cannot pay is taken from the insurance fund, which starts empty. Only the
invariant the venue cares about, ``insurance >= 0``: no lemma. Initial margin 6%,
maintenance 5%, the index moves at most 3% a step: an account not liquidated keeps at
least 2% of its notional after the next move.

Safe: the liquidation fee is capped at what the account still has, so a liquidation
never costs the fund anything (safe while the move is at most the maintenance, 5%).
``BUG=1``: the fee is taken in full: an account at exactly 5% that gaps 3% has 2% left
and owes 2.5% x 0.97, so the fund pays 0.425% of the notional; the taker fee it
collected (0.05% of the notional at the trade) does not cover it: 3 steps (the trade,
a move to exactly 5%, the gap). ``ACCOUNTS`` sets the number of accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
dydx = sv.Spec("dydx-fees", accounts=int(os.environ.get("ACCOUNTS", "3")))


@dydx.params
class Risk:
    initial_margin_fraction: Num = Num("0.06")
    maintenance_margin_fraction: Num = Num("0.05")
    taker_fee: Num = Num("0.0005")
    liquidation_fee: Num = Num("0.025")


@dydx.state
class Book:
    index_price: Num = Num("1800")
    insurance: Num = Num("0")
    keeper_rewards: Num = Num("0")
    quote_balance: PerAccount[Num] = sv.within("0", "20000")
    base_amount: PerAccount[Num] = Num("0")


@dydx.envelope
class Index:
    move: Num = sv.within("-0.03", "0.03")


@dydx.tick
def index_update(s, m):
    s.index_price = s.index_price * (1 + m.move)


def equity(s, a):
    return s.quote_balance[a] + s.base_amount[a] * s.index_price


def notional(s, a):
    return abs(s.base_amount[a]) * s.index_price


@dydx.action(size=sv.within("-10", "10"))
def place_order(s, p, a, size):
    fee = abs(size) * s.index_price * p.taker_fee
    s.quote_balance[a] = s.quote_balance[a] - size * s.index_price - fee
    s.base_amount[a] = s.base_amount[a] + size
    s.insurance = s.insurance + fee
    requires(equity(s, a) >= notional(s, a) * p.initial_margin_fraction)


@dydx.keeper(every_step=True)
def liquidate(s, p, a):
    value = equity(s, a)
    closed = notional(s, a)
    requires(value < closed * p.maintenance_margin_fraction)
    fee = closed * p.liquidation_fee
    if not BUG:
        fee = sv.minimum(fee, sv.maximum(value, 0))
    rest = value - fee
    s.keeper_rewards = s.keeper_rewards + fee
    s.insurance = s.insurance + sv.minimum(rest, 0)
    s.quote_balance[a] = sv.maximum(rest, 0)
    s.base_amount[a] = 0


@dydx.invariant
def insurance_never_negative(s):
    return s.insurance >= 0
