"""A user's spec of a Synthetix-style debt pool read through an oracle that may be stale.

The style (Synthetix v2x staking, the way a staker's risk engineer writes it;
``reference/derivatives.md`` A5 for the venue, B5 for a lagging oracle and Maker's 150%
liquidation ratio, B10 for Synthetix's own oracle incident): stakers lock ``snx`` and
mint sUSD, recorded as ``debt_shares`` of the pool; the pool's debt per share
(``debt_per_share``) moves with the synths the minters hold (at most +2% a step: the
pool's synths gain on the stakers). A staker's debt is ``debt_shares x debt_per_share``.
SNX (``snx_spot``) moves at most 15% a step; the protocol reads ``snx_oracle``, which
the oracle publishes from the spot and may leave stale for ``within`` steps. Minting and
unstaking keep the c-ratio at 400% at the oracle (issuance ratio 0.25); the liquidation
keeper takes a staker's SNX and burns its debt once its c-ratio at the oracle is below
150%. The stakers have been staking for a while: each starts anywhere at or above 150%.
The invariant, per staker: the SNX at the spot backs the debt (no staker under water).
No lemma.

Safe: the oracle is at most one step stale. The keeper reads today's debt and a price
at most one step old, and a fresh one the step after: a staker it lets pass holds 150%
of today's debt at a price SNX has since fallen from by 15% at most: 1.5 x 0.85 =
1.275 > 1 (two stale steps would still pass: 1.5 x 0.85^2 = 1.08). ``BUG=1``: a
three-step heartbeat (``within=3``): three unseen falls (0.85^3 = 0.614) take a staker
at 150% to 92% before the oracle moves: under water at depth 3.
``ACCOUNTS`` sets the
number of accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
snx = sv.Spec("debt-pool-stale", accounts=int(os.environ.get("ACCOUNTS", "3")))


@snx.params
class Staking:
    issuance_ratio: Num = Num("0.25")
    liquidation_ratio: Num = Num("1.5")


@snx.state
class Pool:
    snx_spot: Num = Num("2")
    snx_oracle: Num = Num("2")
    debt_per_share: Num = Num("1")
    snx: PerAccount[Num] = sv.within("0", "100000")
    debt_shares: PerAccount[Num] = sv.within("0", "100000")


@snx.initial
def staked_above_liquidation(s, p, a):
    return s.snx[a] * s.snx_oracle >= p.liquidation_ratio * s.debt_shares[a]


@snx.envelope
class Markets:
    snx_return: Num = sv.within("-0.15", "0.15")
    debt_growth: Num = sv.within("0", "0.02")


@snx.tick
def markets(s, m):
    s.snx_spot = s.snx_spot * (1 + m.snx_return)
    s.debt_per_share = s.debt_per_share * (1 + m.debt_growth)


@snx.oracle(within=3 if BUG else 1)
def publish(s, p):
    s.snx_oracle = s.snx_spot


def debt(s, a):
    return s.debt_shares[a] * s.debt_per_share


@snx.action(susd=sv.within("0", "50000"))
def mint(s, p, a, susd):
    requires(susd > 0)
    s.debt_shares[a] = s.debt_shares[a] + susd / s.debt_per_share
    requires(debt(s, a) <= s.snx[a] * s.snx_oracle * p.issuance_ratio)


@snx.action(susd=sv.within("0", "50000"))
def burn(s, p, a, susd):
    requires((susd > 0) & (susd <= debt(s, a)))
    s.debt_shares[a] = s.debt_shares[a] - susd / s.debt_per_share


@snx.action(amount=sv.within("0", "100000"))
def stake(s, p, a, amount):
    requires(amount > 0)
    s.snx[a] = s.snx[a] + amount


@snx.action(amount=sv.within("0", "100000"))
def unstake(s, p, a, amount):
    requires((amount > 0) & (amount <= s.snx[a]))
    s.snx[a] = s.snx[a] - amount
    requires(debt(s, a) <= s.snx[a] * s.snx_oracle * p.issuance_ratio)


@snx.keeper(every_step=True)
def liquidate(s, p, a):
    requires(s.debt_shares[a] > 0)
    requires(s.snx[a] * s.snx_oracle < p.liquidation_ratio * debt(s, a))
    s.snx[a] = 0
    s.debt_shares[a] = 0


@snx.invariant
def staker_backed(s, p, a):
    return s.snx[a] * s.snx_spot >= debt(s, a)
