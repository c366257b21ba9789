"""The isolated perp with 24 accounts: a small venue for the sharded-monitor tests."""

from solvent.models import perp_isolated

perp = perp_isolated.build(
    name="perp-venue",
    accounts=24,
    initial_margin="0.10",
    maintenance_margin="0.08",
    max_move="0.08",
)
