"""The fee accrual of examples/bugs_detected/fee_rounding.py with the fee rounded up.

Each per-trade fee is rounded up (against the trader), so the fees collected are never
less than the exact fee of the total volume, which is at least the LPs' claim (rounded
down): the vault always covers it.

    solvent prove examples/correct/fee_rounding.py    # exit 0
"""

from solvent.models import fee_accrual

spec = fee_accrual.build(fee_rounding="up", decimals=6, fee_rate="0.0005")
