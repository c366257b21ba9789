"""A user's spec with cross margin: two positions (BTC, ETH) share one account's collateral.

The style: per account ``collateral`` and per market a size and an entry price
(``btc_size``/``btc_entry``, ``eth_size``/``eth_entry``); each market's mark moves on its
own, at most 4% a step; the account is liquidated (both positions closed at the marks)
when its whole equity falls below the maintenance of both notionals (5%), as on the
cross-margin venues of the reference of the venues ("A10. Cross-venue summary"). A trade
in either market needs the initial margin (10%) on both notionals. The fund pays a
liquidation's deficit; the invariant: ``fund >= 0`` (the fund starts at 0: any deficit
breaks it).

``BUG=1``: the keeper's maintenance counts the BTC notional only (a user's slip: the ETH
leg added later), so an account long ETH alone is liquidated only once its equity is
negative, which leaves a deficit (a trade at step 1, three 4% falls: a deficit at step
4). ``ACCOUNTS`` sets the number of accounts (default 3).

Status (benchmarks/results/engine.md, round 16): bmc and prove give UNKNOWN on both
variants within 60 s (the two-market shape; on 1 account, bmc --depth 4 --timeout 240
cleared depth 3 and gave UNKNOWN at 4); tests/check/test_user_styles.py replays the
4-step path on the concrete backend (it breaks BUG=1, not the safe variant). Round 17:
the falsifier's edge mode finds the BUG=1 path (tests/check/test_user_styles_found.py);
bmc --depth 5 on 3 accounts is FAIL at depth 4.
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
cm = sv.Spec("cross-margin", accounts=int(os.environ.get("ACCOUNTS", "3")))


@cm.params
class P:
    mm: Num = Num("0.05")
    im: Num = Num("0.10")


@cm.state
class S:
    btc: Num = Num("30000")
    eth: Num = Num("2000")
    fund: Num = Num("0")
    collateral: PerAccount[Num] = sv.within("0", "10000")
    btc_size: PerAccount[Num] = Num("0")
    btc_entry: PerAccount[Num] = Num("30000")
    eth_size: PerAccount[Num] = Num("0")
    eth_entry: PerAccount[Num] = Num("2000")


@cm.envelope
class Moves:
    btc_move: Num = sv.within("-0.04", "0.04")
    eth_move: Num = sv.within("-0.04", "0.04")


@cm.tick
def marks(s, m):
    s.btc = s.btc * (1 + m.btc_move)
    s.eth = s.eth * (1 + m.eth_move)


def equity(s, a):
    btc_pnl = s.btc_size[a] * (s.btc - s.btc_entry[a])
    eth_pnl = s.eth_size[a] * (s.eth - s.eth_entry[a])
    return s.collateral[a] + btc_pnl + eth_pnl


def notional(s, a):
    return sv.abs(s.btc_size[a]) * s.btc + sv.abs(s.eth_size[a]) * s.eth


def settle(s, a):
    s.collateral[a] = equity(s, a)
    s.btc_entry[a] = s.btc
    s.eth_entry[a] = s.eth


@cm.action(dq=sv.within("-1", "1"))
def trade_btc(s, p, a, dq):
    settle(s, a)
    s.btc_size[a] = s.btc_size[a] + dq
    requires(equity(s, a) >= notional(s, a) * p.im)


@cm.action(dq=sv.within("-20", "20"))
def trade_eth(s, p, a, dq):
    settle(s, a)
    s.eth_size[a] = s.eth_size[a] + dq
    requires(equity(s, a) >= notional(s, a) * p.im)


@cm.keeper(every_step=True)
def liquidate(s, p, a):
    e = equity(s, a)
    watched = sv.abs(s.btc_size[a]) * s.btc if BUG else notional(s, a)
    requires(e < watched * p.mm)
    s.fund = s.fund + sv.minimum(e, 0)
    s.collateral[a] = sv.maximum(e, 0)
    s.btc_size[a] = 0
    s.eth_size[a] = 0
    s.btc_entry[a] = s.btc
    s.eth_entry[a] = s.eth


@cm.invariant
def fund_ok(s):
    return s.fund >= 0
