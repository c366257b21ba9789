"""A long position margined at an oracle price that may be stale: `@spec.oracle(within=K)`.

One account is long 1 unit, entered at 100, with mm of collateral: its equity at the market
(the index) is `quote + size * index` and it is liquidated, at the index, once its equity at
the *oracle* price falls below the maintenance amount `mm` (3). The index moves by at most
0.7 a step; the oracle copies the index, but the adversary may skip that update for at most
K consecutive steps (`publish_late` counts them), so the margin check may read a price K
steps old.

Closed form: at a publication the account is either liquidated or holds equity >= mm at
the index; K skipped updates and the forced one after them let the index fall (K + 1) * 0.7
before the keeper sees it, so the liquidation leaves mm - (K + 1) * 0.7. The account stays
solvent exactly when (K + 1) * d <= mm: the largest tolerable staleness is
floor(mm / d) - 1 = floor(3 / 0.7) - 1 = 3, and with K = 4 it is insolvent at step 5.

    solvent prove examples/frontier/stale_oracle.py                     # PASS at K = 2
    solvent frontier examples/frontier/stale_oracle.py --param oracle.publish.within
    solvent bmc examples/frontier/stale_oracle.py --set publish_within=4 --depth 5
"""

import solvent as sv
from solvent import Num, PerAccount, requires

MOVE = Num("0.7")


@sv.builder
def build(publish_within: int = 2, mm: str = "3") -> sv.Spec:
    """The position with an oracle at most ``publish_within`` steps stale."""
    maintenance = Num(mm)
    spec = sv.Spec("stale-oracle", accounts=1)

    @spec.params
    class Params:
        mm: Num = maintenance

    @spec.state
    class State:
        index: Num = Num("100")
        oracle: Num = Num("100")
        quote: PerAccount[Num] = maintenance - 100  # equity exactly mm at the start
        size: PerAccount[Num] = Num("1")

    @spec.envelope
    class Market:
        move: Num = sv.within(-MOVE, MOVE)

    @spec.tick
    def market(s, m):
        s.index = s.index + m.move

    @spec.oracle(within=publish_within)
    def publish(s, p):
        """The oracle takes the index price; skipped at most K steps in a row."""
        s.oracle = s.index

    @spec.keeper(every_step=True)
    def liquidate(s, p, a):
        """Close the position at the index once its equity at the oracle is below mm."""
        requires((s.size[a] != 0) & (s.quote[a] + s.size[a] * s.oracle < p.mm))
        s.quote[a] = s.quote[a] + s.size[a] * s.index
        s.size[a] = 0

    @spec.invariant
    def solvent(s, p, a):
        """No bad debt: the equity at the index is never negative."""
        return s.quote[a] + s.size[a] * s.index >= 0

    @spec.lemma
    def healthy_at_oracle(s, p, a):
        """An open position passed the margin check at the oracle price."""
        return (s.size[a] == 0) | ((s.size[a] == 1) & (s.quote[a] + s.oracle >= p.mm))

    @spec.lemma
    def gap_per_stale_step(s, p):
        """The index is at most 0.7 below the oracle per step of staleness."""
        return s.oracle - s.index <= s.publish_late * MOVE

    return spec


spec = build()
