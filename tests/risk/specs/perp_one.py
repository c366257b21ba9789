"""One-account isolated perp, no insurance fund: safe iff the move is at most the margin."""

from solvent.models import perp_isolated

# the model's defaults but for these: initial margin 0.10 and moves of at most 0.08
perp = perp_isolated.build(
    name="perp-one", accounts=1, maintenance_margin="0.08", insurance_fund="0"
)
