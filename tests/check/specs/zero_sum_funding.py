"""A user's spec of zero-sum funding between longs and shorts, settled every hour.

The style (an order-book perp's funding as its accounting engineer writes it): per
account a signed ``position`` (contracts, + long / - short) and a ``cash`` balance; two
accounts trade with each other (``trade(buyer, seller, contracts)``), so the positions
always sum to zero; the exchange holds ``exchange_usdc``, what was deposited. Every
hour the keeper settles funding on each account: a long pays ``position x funding``
(USD a contract) and a short receives it. The hourly funding is at most 4% of the
price (Hyperliquid's cap, ``reference/derivatives.md`` A2: "cap 4%/hour"), drawn by
the market each step; the price is 2,000 USDC. No lemma: the user expects "funding is
zero-sum" to hold as written. The invariant: the balances add up to what the exchange
holds, ``sum(cash) == exchange_usdc``.

Safe: every account is settled, its cash may go negative (a debt the liquidation side
handles; not modelled here). ``BUG=1``: the settlement skips a payer whose cash cannot
cover the payment (a "don't overdraw" guard), while the receivers are still paid: cash
is created: a trade between two empty accounts and one funding hour: depth 2.
``ACCOUNTS`` sets the number of accounts (default 3; the bug needs 2).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
funding = sv.Spec("zero-sum-funding", accounts=int(os.environ.get("ACCOUNTS", "3")))


@funding.state
class Ledger:
    exchange_usdc: Num = Num("0")
    cash: PerAccount[Num] = Num("0")
    position: PerAccount[Num] = Num("0")


@funding.envelope
class Hour:
    funding_usd: Num = sv.within("-80", "80")  # 4% of 2,000 USDC


@funding.action(amount=sv.within("0", "100000"))
def deposit(s, p, a, amount):
    s.cash[a] = s.cash[a] + amount
    s.exchange_usdc = s.exchange_usdc + amount


@funding.action(amount=sv.within("0", "100000"))
def withdraw(s, p, a, amount):
    requires(amount <= s.cash[a])
    s.cash[a] = s.cash[a] - amount
    s.exchange_usdc = s.exchange_usdc - amount


@funding.action(contracts=sv.within("0", "50"))
def trade(s, p, buyer, seller, contracts):
    s.position[buyer] = s.position[buyer] + contracts
    s.position[seller] = s.position[seller] - contracts


@funding.tick
def hour(s, m):
    # the longs' total pays the shorts' total: settled per account below
    for a in s.accounts:
        payment = s.position[a] * m.funding_usd
        if BUG:
            pays = (payment <= s.cash[a]) | (payment <= 0)
            s.cash[a] = sv.when(pays, s.cash[a] - payment, s.cash[a])
        else:
            s.cash[a] = s.cash[a] - payment


@funding.invariant
def balances_add_up(s):
    return sv.sum(s.cash[a] for a in s.accounts) == s.exchange_usdc
