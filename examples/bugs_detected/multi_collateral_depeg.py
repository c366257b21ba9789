"""The same efficiency-mode loan when A can depeg from B by 5% per step.

The 10% haircut on A was sized for a 1% divergence; a 5% divergence (wBETH and other
wrapped collateral depegged far more on one venue on 10 Oct 2025, derivatives.md B9)
needs 16.7%. Two steps of divergence, read one step late by the oracle, leave the
liquidation short of the debt.

    solvent bmc examples/bugs_detected/multi_collateral_depeg.py --depth 4    # exit 1
"""

from solvent.models import multi_collateral

lending = multi_collateral.build(
    name="multi-collateral-depeg",
    accounts=3,
    debt_asset="b",
    initial_haircut_a="0.12",
    maintenance_haircut_a="0.10",
    max_move_a="0.05",
    max_move_b="0.08",
    max_divergence="0.05",
    oracle_deviation="0.01",
    supply_cap_a="10",
    depth_a="200",
    max_borrow="1000",
)
