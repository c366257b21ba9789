"""The isolated perp with 8 accounts and liquidation price impact (stress test fixture)."""

from solvent.models import perp_isolated

perp = perp_isolated.build(name="perp-stress", accounts=8, liquidation_depth="2000000")
