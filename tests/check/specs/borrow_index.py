"""A user's spec of a lending market whose borrow index compounds every step.

The style (Aave/Compound accounting, as a lending desk's engineer writes it): the
market's ``borrow_index`` grows by the per-step rate every step; each account stores its
debt scaled by the index at the time of borrowing (``scaled_debt``, the debt is
``scaled_debt x borrow_index``) and BTC collateral (``collateral_btc``). The market has
been running, so the index is anywhere in [1, 3] when the spec starts. Figures from
Hyperliquid's portfolio margin (``reference/derivatives.md`` A2): BTC's LTV 0.5 (what a
borrow may reach), liquidation threshold 0.5 + 0.5 x LTV = 0.75; the stablecoin rate at
full utilisation, 0.05 + 4.75 x 0.2 = 100% a year, compounded per hourly step
(0.0114% an hour, rounded up to 0.0002). BTC moves at most 10% a step. The keeper
liquidates an account whose debt passes the threshold: it seizes the collateral and
writes the debt off against it. The invariant: every account's collateral covers its
debt (no bad debt).

Safe: a borrow must leave the debt (scaled x index) within the LTV; the lemma the user
adds says every account is within the threshold after the keeper. ``BUG=1``: the borrow
checks the scaled debt against the LTV, as if the index were 1: with the index at 2.2 a
borrow takes the debt to 1.1 x the collateral: depth 2 (a deposit, a borrow).
``ACCOUNTS`` sets the number of accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
market = sv.Spec("borrow-index", accounts=int(os.environ.get("ACCOUNTS", "3")))


@market.params
class Btc:
    ltv: Num = Num("0.5")
    liquidation_threshold: Num = Num("0.75")
    rate_per_step: Num = Num("0.0002")


@market.state
class Market:
    btc_price: Num = Num("100000")
    borrow_index: Num = sv.within("1", "3")
    collateral_btc: PerAccount[Num] = Num("0")
    scaled_debt: PerAccount[Num] = Num("0")


@market.envelope
class Spot:
    btc_move: Num = sv.within("-0.10", "0.10")


@market.tick
def accrue(s, p, m):
    s.btc_price = s.btc_price * (1 + m.btc_move)
    s.borrow_index = s.borrow_index * (1 + p.rate_per_step)


def debt(s, a):
    return s.scaled_debt[a] * s.borrow_index


def collateral_value(s, a):
    return s.collateral_btc[a] * s.btc_price


@market.action(btc=sv.within("0", "10"))
def supply(s, p, a, btc):
    requires(btc > 0)
    s.collateral_btc[a] = s.collateral_btc[a] + btc


@market.action(usdc=sv.within("0", "1000000"))
def borrow(s, p, a, usdc):
    requires(usdc > 0)
    s.scaled_debt[a] = s.scaled_debt[a] + usdc / s.borrow_index
    checked = s.scaled_debt[a] if BUG else debt(s, a)
    requires(checked <= collateral_value(s, a) * p.ltv)


@market.action(usdc=sv.within("0", "1000000"))
def repay(s, p, a, usdc):
    requires((usdc > 0) & (usdc <= debt(s, a)))
    s.scaled_debt[a] = s.scaled_debt[a] - usdc / s.borrow_index


@market.keeper(every_step=True)
def liquidate(s, p, a):
    requires(debt(s, a) > collateral_value(s, a) * p.liquidation_threshold)
    s.collateral_btc[a] = 0
    s.scaled_debt[a] = 0


@market.invariant
def no_bad_debt(s, p, a):
    return debt(s, a) <= collateral_value(s, a)


if not BUG:

    @market.lemma
    def within_threshold(s, p, a):
        return (
            (s.borrow_index >= 1)
            & (s.btc_price > 0)
            & (s.scaled_debt[a] >= 0)
            & (debt(s, a) <= collateral_value(s, a) * p.liquidation_threshold)
        )
