"""Inverse (coin-margined) perpetual with a maintenance margin that covers convex losses.

The price moves at most 8% per step. A long's coin loss on an 8% drop is 8% / 92% = 8.70%
of its coin notional, so the maintenance margin must be at least 8.70%; 9% is safe.

    solvent prove examples/correct/perp_inverse.py    # exit 0
"""

from solvent.models import perp_inverse

perp = perp_inverse.build(
    name="perp-inverse",
    accounts=2,
    max_leverage="10",
    maintenance_margin="0.09",
    max_move="0.08",
)
