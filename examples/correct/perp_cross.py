"""Cross-margin perpetual, two markets, funding capped at 1% per step, partial liquidation.

Maintenance 10% on both markets, backstop at 2/3 of maintenance (Hyperliquid-style), half
of every position closed by a partial liquidation. Per step the marks move at most 5% and
funding costs at most 1% of the position value; 2/3 x 10% = 6.7% covers the worst step
(5% + 1.05% = 6.05%) for every account the keeper leaves standing, so nobody goes below
zero equity and no bad debt appears.

    solvent prove examples/correct/perp_cross.py    # exit 0
"""

from solvent.models import perp_cross

perp = perp_cross.build(
    name="perp-cross",
    accounts=2,
    initial_margin_a="0.12",
    maintenance_margin_a="0.10",
    initial_margin_b="0.12",
    maintenance_margin_b="0.10",
    backstop_fraction="2/3",
    partial_fraction="1/2",
    max_move_a="0.05",
    max_move_b="0.05",
    funding_cap="0.01",
)
