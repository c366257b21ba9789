"""The linear perp's safe margin ported to an inverse perp: 8% maintenance, 8% moves.

On a linear perp, maintenance 8% covers an 8% gap (examples/correct/perp_isolated.py). On
a coin-margined perp it does not: an 8% price drop costs a long 8.70% of its coin
notional (PnL in coin is C/entry - C/price, convex in the price). bmc finds a long that
sits exactly at maintenance after a small drop and goes below zero on the next 8% gap.

    solvent bmc examples/bugs_detected/perp_inverse_convexity.py --depth 4    # exit 1
"""

from solvent.models import perp_inverse

perp = perp_inverse.build(
    name="perp-inverse",
    accounts=2,
    max_leverage="10",
    maintenance_margin="0.08",
    max_move="0.08",
)
