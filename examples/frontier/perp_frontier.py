"""The isolated perpetual of the frontier examples: no insurance fund, keepers every step.

With an insurance fund of 0 every deficit is bad debt, so the answer has a closed form
(see README.md next to this file): the spec is solvent for every path length exactly when
the per-step move is at most the maintenance margin.

    solvent frontier examples/frontier/perp_frontier.py --param move --tol 0.001
    solvent synth examples/frontier/perp_frontier.py --param maintenance_margin --tol 0.001 --range 0.02 0.1
"""

from solvent.models import perp_isolated

perp = perp_isolated.build(
    name="perp-frontier",
    accounts=3,
    initial_margin="0.10",
    maintenance_margin="0.08",
    liquidation_fee="0.01",
    insurance_fund="0",
    max_move="0.08",
)
