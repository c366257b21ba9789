"""A stablecoin loan whose haircut covers one step's move but not the oracle's lag.

Collateral A may fall 5% per step; the keeper sees the price one step late and the
liquidation sells up to 10 A into a book of depth 200 A (up to 5% impact). A 10%
maintenance haircut covers one move, not a move the oracle has not seen yet plus the
next one plus the impact: the smallest safe haircut is 1 - 0.95^2 * 0.95 / 1.01 = 15.1%
(``safe_haircut``).

    solvent bmc examples/bugs_detected/multi_collateral_oracle_lag.py --depth 4    # exit 1
"""

from solvent.models import multi_collateral

lending = multi_collateral.build(
    name="multi-collateral-oracle-lag",
    accounts=3,
    debt_asset="quote",
    initial_haircut_a="0.12",
    maintenance_haircut_a="0.10",
    max_move_a="0.05",
    oracle_deviation="0.01",
    supply_cap_a="10",
    depth_a="200",
)
