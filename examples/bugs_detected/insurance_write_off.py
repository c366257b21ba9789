"""A waterfall that stops at the insurance fund and writes the rest off.

No ADL and no socialized loss: once the fund is empty, the part of a deficit it cannot
pay is simply set to zero on the bankrupt account. The winning counterparty was still
paid in full, so cash is created out of nothing (conserves_value fails) and the bad
debt is assigned to nobody.

    solvent bmc examples/bugs_detected/insurance_write_off.py --depth 4    # exit 1
"""

from solvent.models import insurance_waterfall

spec = insurance_waterfall.build(
    name="insurance-waterfall",
    accounts=2,
    maintenance_margin="0.05",
    max_move="0.08",
    insurance_fund="100",
    adl=False,
    last_layer="write_off",
)
