"""A user's spec of a Hyperliquid-style vault (HLP) that takes over liquidated positions.

The style (Hyperliquid's backstop liquidation, ``reference/derivatives.md`` A2): per
account ``isolated_margin``, a long ``size_btc`` and ``entry_price``; maintenance margin
is half the initial margin at maximum leverage. When an account's equity falls below
2/3 of its maintenance margin, the liquidator vault takes the position and the margin
wholesale ("the maintenance margin is not returned") and closes it at the oracle price
in the same step, so the vault's USDC (``hlp_usdc``, 1,000,000 deposited) changes by
the account's equity. The book liquidation between 2/3 MM and MM is not modelled (the
worst case: it never fills). The oracle moves at most 0.8% a step (a 3-second update).
The invariant: the vault never ends below its deposits (every backstop takes a
non-negative equity). No lemma.

Safe: BTC at 40x (initial margin 2.5%, maintenance 1.25%), the table since March 2025:
an account not yet taken keeps 2/3 x 1.25% = 0.83% of its notional, more than one move.
``BUG=1``: 50x (maintenance 1%), the leverage before the March 2025 ETH-whale event
(A2, B3): 2/3 x 1% = 0.67% is less than a move, so an account just above the backstop
line falls below zero before the backstop runs: the open at 50x, a fall of 0.8%, a
smaller one that stops just above the line, a fall of 0.8%: depth 4. ``ACCOUNTS`` sets the number of accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
hl = sv.Spec("hlp-backstop", accounts=int(os.environ.get("ACCOUNTS", "3")))


@hl.params
class Btc:
    max_leverage: Num = Num("50" if BUG else "40")
    hlp_deposits: Num = Num("1000000")


@hl.state
class Clearinghouse:
    oracle: Num = Num("100000")
    hlp_usdc: Num = Num("1000000")
    isolated_margin: PerAccount[Num] = Num("0")
    size_btc: PerAccount[Num] = Num("0")
    entry_price: PerAccount[Num] = Num("100000")


@hl.envelope
class Oracle:
    move: Num = sv.within("-0.008", "0.008")


@hl.tick
def update(s, o):
    s.oracle = s.oracle * (1 + o.move)


def equity(s, a):
    return s.isolated_margin[a] + s.size_btc[a] * (s.oracle - s.entry_price[a])


def maintenance(s, p, a):
    return s.size_btc[a] * s.oracle / p.max_leverage / 2


@hl.action(margin=sv.within("0", "250000"), leverage=sv.within("1", "50"))
def open_long(s, p, a, margin, leverage):
    requires(s.size_btc[a] == 0)
    requires((margin > 0) & (leverage <= p.max_leverage))
    s.isolated_margin[a] = margin
    s.size_btc[a] = margin * leverage / s.oracle
    s.entry_price[a] = s.oracle


@hl.action
def close_long(s, p, a):
    requires(s.size_btc[a] > 0)
    s.isolated_margin[a] = 0
    s.size_btc[a] = 0


@hl.keeper(every_step=True)
def backstop(s, p, a):
    requires(s.size_btc[a] > 0)
    requires(equity(s, a) * 3 < maintenance(s, p, a) * 2)
    s.hlp_usdc = s.hlp_usdc + equity(s, a)
    s.isolated_margin[a] = 0
    s.size_btc[a] = 0
    s.entry_price[a] = s.oracle


@hl.invariant
def hlp_keeps_its_deposits(s, p):
    return s.hlp_usdc >= p.hlp_deposits
