"""The full loss waterfall: collateral, insurance fund, ADL, then a socialized haircut.

Maintenance 5% under an 8% per-step envelope: gaps do create deficits, and the small
insurance fund (100) runs dry. Every deficit is still assigned: profitable opposite
accounts are deleveraged, and what they cannot pay is a haircut on what the winning
counterparty is paid. prove shows that cash is conserved and no bad debt is left
unassigned, for every path.

    solvent prove examples/correct/insurance_waterfall.py    # exit 0
"""

from solvent.models import insurance_waterfall

spec = insurance_waterfall.build(
    name="insurance-waterfall",
    accounts=2,
    maintenance_margin="0.05",
    max_move="0.08",
    insurance_fund="100",
    adl=True,
    last_layer="haircut",
)
