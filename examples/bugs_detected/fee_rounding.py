"""A fee rounded down where it must round up: dust trades leave the LPs' claim unfunded.

USDC-style fixed point (6 decimals), 5 bp fee. Each trade's fee is rounded *down* to the
token's decimals, in the trader's favour; the LPs' claim is booked on the cumulative
volume. Two trades of 0.001 USDC pay 0 fee each (0.0000005 rounds to 0), while 0.002 of
volume books 0.000001 of claim: the vault is one unit short.

In exact arithmetic (``arithmetic="exact"``) there is no rounding and the spec proves,
so only a check in the protocol's own fixed point finds this.

    solvent bmc examples/bugs_detected/fee_rounding.py --depth 4    # exit 1
"""

from solvent.models import fee_accrual

spec = fee_accrual.build(fee_rounding="down", decimals=6, fee_rate="0.0005")
