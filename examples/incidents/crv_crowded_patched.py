"""Aave v2 CRV, patched: the maintenance margin covers the impact of every liquidation that
can happen together (2% move + 2 x about 2% impact <= 7%).

    solvent prove examples/incidents/crv_crowded_patched.py    # exit 0
"""

from solvent.models import crowded_liquidation

spec = crowded_liquidation.build(name="crv-crowded-patched", maintenance_margin="0.07")
