"""BitMEX-style gap risk, patched: the maintenance margin is at least the largest move.

With 8% maintenance under 8% moves, a liquidation at the next step never finds the account
below zero.

    solvent prove examples/incidents/bitmex_gap_patched.py    # exit 0
"""

from solvent.models import perp_isolated

spec = perp_isolated.build(
    name="bitmex-gap-patched", accounts=2, initial_margin="0.10", maintenance_margin="0.08",
    max_move="0.08",
)  # fmt: skip
