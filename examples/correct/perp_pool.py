"""A vault that takes the other side of every trade, with reserves within its cash.

The vault reserves 20% of every position's notional (the most it pays out on it) and
refuses an open when its reserves would exceed 90% of its cash. Whatever the price path,
it can pay every trader's (capped) profit.

    solvent prove examples/correct/perp_pool.py    # exit 0
"""

from solvent.models import perp_pool

spec = perp_pool.build(
    name="perp-pool",
    accounts=2,
    reserve_factor="0.9",
    profit_cap="0.2",
    pool_cash="10000",
    max_move="0.08",
)
