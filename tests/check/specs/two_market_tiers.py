"""A user's spec of a Drift/dYdX-style cross-margin subaccount over two markets, tiered by notional.

The style (a venue's risk engineer, ``reference/derivatives.md`` A1, A2 and A4): one
subaccount per user holds ``usdc`` and a signed position in each of two markets
(``btc_base``, ``eth_base``, with ``btc_entry``/``eth_entry``); its equity is cross
(``usdc`` plus both unrealised PnLs at the oracle). BTC is tiered by notional with
Hyperliquid's continuous deduction (A2): maintenance 1.2% (dYdX Large-Cap, A1) up to a
notional of 1,000,000, 5% above, ``deduction = 1,000,000 x (5% - 1.2%)``; the initial
margin is twice the maintenance. ETH is one tier (dYdX Mid-Cap: IMF 5%, MMF 3%). A
liquidation closes both positions at the oracle less the book's slippage (BTC 0.2% of
the first 1,000,000 of notional, 3% of the rest; ETH 0.5%), charges the liquidation fee
of 1.5% of the notional closed, capped at what is left (dYdX's ``min(1.5% x quote,
leftover collateral)``), to the insurance fund, and the fund pays any deficit. The fund
starts empty; the invariant: ``insurance_fund >= 0``. BTC moves at most 0.8% a step,
ETH at most 2%. No lemma.

Safe: every tier's maintenance less its slippage covers a move (1.2% - 0.2% and
5% - 3% for BTC, 3% - 0.5% for ETH). ``BUG=1``: the tier lookup compares the position's
size in BTC (not its notional in USD) with the table's bound, so every BTC position is
tier 1: a deposit, a 2,000,000 long opened at 2.4% initial margin, two falls of 0.8%
leave it below 1.2% maintenance, and the liquidation's 3% slippage on the second
million leaves a deficit: depth 4 (the deposit, the open, two falls; the keeper first
sees a new position after one move, when it still holds 1.6% of its notional).
``ACCOUNTS`` sets the number of
accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
xm = sv.Spec("two-market-tiers", accounts=int(os.environ.get("ACCOUNTS", "3")))


@xm.params
class Risk:
    btc_tier_bound: Num = Num("1000000")
    btc_mmf_1: Num = Num("0.012")
    btc_mmf_2: Num = Num("0.05")
    eth_mmf: Num = Num("0.03")
    liquidation_fee: Num = Num("0.015")


@xm.state
class Subaccounts:
    btc_oracle: Num = Num("100000")
    eth_oracle: Num = Num("4000")
    insurance_fund: Num = Num("0")
    usdc: PerAccount[Num] = Num("0")
    btc_base: PerAccount[Num] = Num("0")
    btc_entry: PerAccount[Num] = Num("100000")
    eth_base: PerAccount[Num] = Num("0")
    eth_entry: PerAccount[Num] = Num("4000")


@xm.envelope
class Oracles:
    btc_move: Num = sv.within("-0.008", "0.008")
    eth_move: Num = sv.within("-0.02", "0.02")


@xm.tick
def oracles(s, m):
    s.btc_oracle = s.btc_oracle * (1 + m.btc_move)
    s.eth_oracle = s.eth_oracle * (1 + m.eth_move)


def btc_notional(s, a):
    return abs(s.btc_base[a]) * s.btc_oracle


def eth_notional(s, a):
    return abs(s.eth_base[a]) * s.eth_oracle


def btc_maintenance(s, p, a):
    n = btc_notional(s, a)
    looked_up = abs(s.btc_base[a]) if BUG else n  # the bug: BTC against a USD bound
    deduction = p.btc_tier_bound * (p.btc_mmf_2 - p.btc_mmf_1)
    return sv.when(looked_up > p.btc_tier_bound, n * p.btc_mmf_2 - deduction, n * p.btc_mmf_1)


def maintenance(s, p, a):
    return btc_maintenance(s, p, a) + eth_notional(s, a) * p.eth_mmf


def initial(s, p, a):
    return 2 * btc_maintenance(s, p, a) + eth_notional(s, a) * (p.eth_mmf + Num("0.02"))


def equity(s, a):
    btc_pnl = s.btc_base[a] * (s.btc_oracle - s.btc_entry[a])
    eth_pnl = s.eth_base[a] * (s.eth_oracle - s.eth_entry[a])
    return s.usdc[a] + btc_pnl + eth_pnl


def slippage(s, p, a):
    n = btc_notional(s, a)
    above = sv.maximum(n - p.btc_tier_bound, 0)
    return (n - above) * Num("0.002") + above * Num("0.03") + eth_notional(s, a) * Num("0.005")


@xm.action(amount=sv.within("0", "1000000"))
def deposit(s, p, a, amount):
    requires(amount > 0)
    s.usdc[a] = s.usdc[a] + amount


@xm.action(btc=sv.within("-30", "30"), eth=sv.within("-500", "500"))
def open_positions(s, p, a, btc, eth):
    """Open both markets from flat, at the oracles, with the initial margin on both."""
    requires((s.btc_base[a] == 0) & (s.eth_base[a] == 0))
    s.btc_base[a] = btc
    s.btc_entry[a] = s.btc_oracle
    s.eth_base[a] = eth
    s.eth_entry[a] = s.eth_oracle
    requires(equity(s, a) >= initial(s, p, a))


@xm.keeper(every_step=True)
def liquidate(s, p, a):
    requires((s.btc_base[a] != 0) | (s.eth_base[a] != 0))
    requires(equity(s, a) < maintenance(s, p, a))
    left = equity(s, a) - slippage(s, p, a)
    fee = sv.minimum(
        (btc_notional(s, a) + eth_notional(s, a)) * p.liquidation_fee, sv.maximum(left, 0)
    )
    s.insurance_fund = s.insurance_fund + fee + sv.minimum(left, 0)
    s.usdc[a] = sv.maximum(left - fee, 0)
    s.btc_base[a] = 0
    s.eth_base[a] = 0


@xm.invariant
def fund_never_negative(s):
    return s.insurance_fund >= 0
