"""BitMEX and 3AC-style gap risk: the price gaps through the maintenance margin in one step.

On Black Thursday BTC fell 17% in 7 minutes and one minute candle of the 10 October 2025
crash fell 6.15%. With 5% maintenance and moves of up to 8% a step, an account just above
maintenance is below zero before the keeper can act, and a short insurance fund leaves bad
debt.

    solvent bmc examples/incidents/bitmex_gap.py --depth 4    # exit 1
"""

from solvent.models import perp_isolated

spec = perp_isolated.build(
    name="bitmex-gap", accounts=2, maintenance_margin="0.05", max_move="0.08"
)
