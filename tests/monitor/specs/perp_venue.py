"""The isolated perp with 24 accounts: a small venue for the sharded-monitor tests."""

from solvent.models import perp_isolated

# the model's defaults (initial margin 0.10, moves of at most 0.08) but for these
perp = perp_isolated.build(name="perp-venue", accounts=24, maintenance_margin="0.08")
