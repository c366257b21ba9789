"""Black Thursday, 12-13 March 2020: liquidation keepers that stall while the price falls.

MakerDAO's keepers failed under a 6x gas spike (36% of liquidations cleared at zero bids,
about 5.67M DAI of bad debt); BitMEX was down for 25 minutes. Here the keeper may be late
one step (`within=1`) while the price moves up to 3% a step: an account just at its 5%
maintenance margin sees two 3% moves (1.03 ** 2 = 1.0609 > 1.05) before the keeper must
act, and is closed below zero.

    solvent bmc examples/incidents/black_thursday_keeper.py --depth 3    # exit 1
"""

from solvent.models import perp_keeper_late

spec = perp_keeper_late.build(name="black-thursday-keeper", liquidate_within=1, max_move="0.03")
