"""The isolated perpetual made safe: maintenance margin 8% covers an 8% per-step gap.

With keepers liquidating every step, an account above maintenance can lose at most 8% of
its notional before the next liquidation, which its 8% margin covers.

    solvent prove examples/correct/perp_isolated.py    # exit 0
"""

from solvent.models import perp_isolated

perp = perp_isolated.build(
    name="perp-isolated",
    accounts=3,
    initial_margin="0.10",
    maintenance_margin="0.08",
    max_move="0.08",
)
