"""Two collateral assets, a debt in asset B, a lagged oracle, liquidation impact: safe.

Collateral A (e.g. a staked or wrapped form of B) and B back a debt in units of B, as in
a correlated-asset "efficiency mode". Each asset may move 5% (A) or 8% (B) per step, but
A and B diverge by at most 1% per step; the oracle lags one step and is off by up to 1%;
a liquidation sells up to the supply cap of 10 A into a book of depth 200 A (5% impact).
A maintenance haircut of 10% on A covers it: the smallest safe one is
1 - (0.99/1.01) * (1 - 0.01/0.92)^2 * 0.95 = 8.9% (``safe_haircut_correlated``).

    solvent prove examples/correct/multi_collateral.py --no-slack    # exit 0
"""

from solvent.models import multi_collateral

lending = multi_collateral.build(
    name="multi-collateral-emode",
    accounts=3,
    debt_asset="b",
    initial_haircut_a="0.12",
    maintenance_haircut_a="0.10",
    max_move_a="0.05",
    max_move_b="0.08",
    max_divergence="0.01",
    oracle_deviation="0.01",
    supply_cap_a="10",
    depth_a="200",
    max_borrow="1000",
)
