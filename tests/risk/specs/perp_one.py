"""One-account isolated perp, no insurance fund: safe iff the move is at most the margin."""

from solvent.models import perp_isolated

perp = perp_isolated.build(
    name="perp-one",
    accounts=1,
    initial_margin="0.10",
    maintenance_margin="0.08",
    insurance_fund="0",
    max_move="0.08",
)
