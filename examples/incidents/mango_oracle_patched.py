"""Mango Markets, patched: margin is checked at the deep index, not the thin-market oracle.

Whatever the oracle shows, a withdrawal must leave the initial margin at the index, and
the keeper liquidates below maintenance at the index; with per-step index moves (1%) below
the maintenance margin (5%) no path leaves bad debt.

    solvent prove examples/incidents/mango_oracle_patched.py    # exit 0
"""

from solvent.models import oracle_margin

spec = oracle_margin.build(name="mango-oracle-patched", margin_price="index")
