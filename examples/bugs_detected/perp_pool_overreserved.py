"""A vault that reserves up to 275% of its cash (GMX's Arbitrum ETH/USD reserveFactor).

GMX pairs a reserve factor above 100% with auto-deleveraging; this vault has none. Two
traders go long at the reserve limit and two 8% rises later their capped profits exceed
what the vault holds: it cannot pay them.

    solvent bmc examples/bugs_detected/perp_pool_overreserved.py --depth 4    # exit 1
"""

from solvent.models import perp_pool

spec = perp_pool.build(
    name="perp-pool",
    accounts=2,
    reserve_factor="2.75",
    profit_cap="0.2",
    pool_cash="10000",
    max_move="0.08",
)
