"""A user's spec in the Hyperliquid style: tiered maintenance with a deduction table.

The style (the venue's rules: the reference of the venues, "A2. Hyperliquid", margin
tiers): per account ``usdc`` (account value at the last settlement), a signed size
``szi`` and an entry price ``entry_px``; maintenance is ``notional x mmr(tier) -
deduction(tier)`` with ``deduction(2) = lower_bound(2) x (mmr(2) - mmr(1))``, which makes
it continuous, and the initial margin is twice the maintenance (the maintenance is half
the initial margin at the tier's maximum leverage). Tiers: 1.25% up to a notional of
10,000, 2.5% above (40x, then 20x). The mark moves at most 1% a step. A liquidated
account's position goes to the backstop vault (HLP), which books the deficit in
``hlp_loss``; the user's invariant: ``hlp_loss == 0``.

``BUG=1``: the deduction is computed from a stale lower bound (15,000 instead of 10,000),
so just above 10,000 the maintenance is 0.625% of the notional, below one move: a
liquidation 3 steps after a trade leaves a deficit. ``ACCOUNTS`` sets the number of
accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
hl = sv.Spec("tiered-hl", accounts=int(os.environ.get("ACCOUNTS", "3")))


@hl.params
class P:
    mmr1: Num = Num("0.0125")
    mmr2: Num = Num("0.025")
    tier2: Num = Num("10000")  # lower bound of tier 2 (notional)
    table_bound: Num = Num("15000" if BUG else "10000")  # the bound the deduction uses


@hl.state
class S:
    mark: Num = Num("100")
    hlp_loss: Num = Num("0")
    usdc: PerAccount[Num] = sv.within("0", "1000")
    szi: PerAccount[Num] = Num("0")
    entry_px: PerAccount[Num] = Num("100")


@hl.envelope
class Move:
    r: Num = sv.within("-0.01", "0.01")


@hl.tick
def mark_moves(s, m):
    s.mark = s.mark * (1 + m.r)


def account_value(s, a):
    return s.usdc[a] + s.szi[a] * (s.mark - s.entry_px[a])


def maintenance(s, p, a):
    ntl = sv.abs(s.szi[a]) * s.mark
    deduction = p.table_bound * (p.mmr2 - p.mmr1)
    return sv.when(ntl <= p.tier2, ntl * p.mmr1, ntl * p.mmr2 - deduction)


@hl.action(dsz=sv.within("-200", "200"))
def trade(s, p, a, dsz):
    s.usdc[a] = account_value(s, a)
    s.entry_px[a] = s.mark
    s.szi[a] = s.szi[a] + dsz
    requires(account_value(s, a) >= 2 * maintenance(s, p, a))


@hl.keeper(every_step=True)
def liquidate(s, p, a):
    v = account_value(s, a)
    requires(v < maintenance(s, p, a))
    s.hlp_loss = s.hlp_loss + sv.maximum(-v, 0)
    s.usdc[a] = sv.maximum(v, 0)
    s.szi[a] = 0
    s.entry_px[a] = s.mark


@hl.invariant
def hlp_never_loses(s):
    return s.hlp_loss == 0
