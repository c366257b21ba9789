"""Black Thursday, patched: a maintenance margin that survives a keeper one step late.

With 7% maintenance (8% initial) two 3% moves are covered: 1.03 ** 2 = 1.0609 <= 1.07, the
closed form of solvent.models.perp_keeper_late.

    solvent prove examples/incidents/black_thursday_keeper_patched.py    # exit 0
"""

from solvent.models import perp_keeper_late

spec = perp_keeper_late.build(
    name="black-thursday-keeper-patched",
    liquidate_within=1,
    max_move="0.03",
    maintenance_margin="0.07",
    initial_margin="0.08",
)
