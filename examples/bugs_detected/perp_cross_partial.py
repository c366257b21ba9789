"""Partial liquidation leaves accounts below maintenance: a 7% margin is not 7% of cushion.

Same envelope as examples/correct/perp_cross.py (marks move at most 5% per step, funding
at most 1%), so the worst step costs 6.05% of a position's value, below the 7%
maintenance margin. But a partial liquidation closes only 20% of the positions of an
account found between the backstop (2/3 of maintenance) and maintenance: afterwards it
holds only 2/3 / 0.8 = 83% of its (smaller) maintenance requirement, 5.8% of its
notional, and the next step's 6.05% takes it below zero: bad debt.

    solvent bmc examples/bugs_detected/perp_cross_partial.py --depth 4    # exit 1
"""

from solvent.models import perp_cross

perp = perp_cross.build(
    name="perp-cross",
    accounts=2,
    initial_margin_a="0.08",
    maintenance_margin_a="0.07",
    initial_margin_b="0.08",
    maintenance_margin_b="0.07",
    backstop_fraction="2/3",
    partial_fraction="0.2",
    max_move_a="0.05",
    max_move_b="0.05",
    funding_cap="0.01",
)
