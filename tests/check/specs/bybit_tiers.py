"""A user's spec in the Bybit style: a risk-limit table of six tiers by position value.

The style (Bybit's USDT perpetuals, risk limit tiers): the maintenance margin rate is
the rate of the tier the whole position value falls in (no deduction, so the requirement
jumps at each tier bound), and the initial margin rate is the maintenance rate plus 0.5%.
Per account ``wallet_balance``, a signed ``qty`` and an ``avg_entry_price``; PnL is
realised into the wallet on each order. Tiers, by position value in USDT: below 2M 1%,
2M-4M 1.5%, 4M-6M 2%, 6M-8M 2.5%, 8M-10M 3%, from 10M 3.5%. The mark moves at most 0.8%
a step, below every tier's rate, so a liquidated account never has negative equity and
the insurance fund (5,000 USDT) never pays: ``insurance_fund >= 5000`` is the invariant.

``BUG=1``: the third tier's rate is typed as 0.2% (not 2%): an order of 4M-6M taken at
the 0.7% initial margin, then a 0.8% gap against it, leaves a deficit of about 0.1% of
the position value, which the fund pays: broken at depth 2 (the order, then the gap).
``ACCOUNTS`` sets the number of accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
bybit = sv.Spec("bybit-tiers", accounts=int(os.environ.get("ACCOUNTS", "3")))

BOUNDS = ("2000000", "4000000", "6000000", "8000000", "10000000")
RATES = ("0.01", "0.015", "0.002" if BUG else "0.02", "0.025", "0.03", "0.035")


@bybit.params
class Limits:
    im_over_mm: Num = Num("0.005")


@bybit.state
class Wallets:
    mark_price: Num = Num("30000")
    insurance_fund: Num = Num("5000")
    wallet_balance: PerAccount[Num] = sv.within("0", "500000")
    qty: PerAccount[Num] = Num("0")
    avg_entry_price: PerAccount[Num] = Num("30000")


@bybit.envelope
class Mark:
    change: Num = sv.within("-0.008", "0.008")


@bybit.tick
def mark(s, m):
    s.mark_price = s.mark_price * (1 + m.change)


def position_value(s, a):
    return abs(s.qty[a]) * s.mark_price


def maintenance_rate(value):
    rate = Num(RATES[-1])
    for bound, tier_rate in reversed(list(zip(BOUNDS, RATES[:-1], strict=True))):
        rate = sv.when(value < Num(bound), Num(tier_rate), rate)
    return rate


def equity(s, a):
    return s.wallet_balance[a] + s.qty[a] * (s.mark_price - s.avg_entry_price[a])


@bybit.action(order_qty=sv.within("-250", "250"))
def place_order(s, p, a, order_qty):
    s.wallet_balance[a] = equity(s, a)
    s.avg_entry_price[a] = s.mark_price
    s.qty[a] = s.qty[a] + order_qty
    value = position_value(s, a)
    requires(equity(s, a) >= value * (maintenance_rate(value) + p.im_over_mm))


@bybit.keeper(every_step=True)
def liquidate(s, p, a):
    value = position_value(s, a)
    eq = equity(s, a)
    requires(eq < value * maintenance_rate(value))
    s.insurance_fund = s.insurance_fund + sv.minimum(eq, 0)
    s.wallet_balance[a] = sv.maximum(eq, 0)
    s.qty[a] = 0
    s.avg_entry_price[a] = s.mark_price


@bybit.invariant
def fund_never_pays(s):
    return s.insurance_fund >= 5000
