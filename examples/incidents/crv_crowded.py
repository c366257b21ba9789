"""Aave v2 CRV, November 2022: liquidations that cannot all be absorbed by a thin book.

Two identical longs of 1000 units (10x) sit on a book 50,000 deep. The 5% maintenance
margin covers a 2% move plus the impact of ONE liquidation (about 1000 / 50,000 = 2%), but
both accounts reach maintenance together and their liquidations share the book in order:
the second pays the impact of both (about 4%) and leaves bad debt. (On Aave the position
was liquidated in 385 parts over 50 minutes for lack of CRV liquidity; bad debt about
2.64M CRV.)

    solvent bmc examples/incidents/crv_crowded.py --depth 4    # exit 1
"""

from solvent.models import crowded_liquidation

spec = crowded_liquidation.build(name="crv-crowded")
