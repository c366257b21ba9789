"""Gap risk: maintenance margin 5% but the price may gap 8% in one step.

An account sits just above its 5% maintenance requirement; the next tick moves the price
8% against it, so its equity goes below zero before the keeper can act. The insurance
fund (100) cannot cover the deficit and bad debt is socialized.

    solvent bmc examples/bugs_detected/perp_gap_risk.py --depth 5    # exit 1
"""

from solvent.models import perp_isolated

perp = perp_isolated.build(
    name="perp-gap-risk",
    accounts=3,
    initial_margin="0.10",
    maintenance_margin="0.05",
    max_move="0.08",
)
