"""SPAN-like margin with strikes between the scan points, which it does not scan.

With strikes 1950 and 2050 and a grid of 1700, 1800, ..., 2300, a portfolio whose loss
peaks at a strike (e.g. long puts at one strike against short puts at the other) shows no
loss at any grid point, so its scanning risk is 0, yet it loses at a settlement price
near the strike.

    solvent bmc examples/bugs_detected/span_off_grid_strikes.py --depth 2    # exit 1
"""

from solvent.models import span

margin = span.build(
    name="span-off-grid-strikes",
    accounts=3,
    price="2000",
    scan_range="0.15",
    strike_low="1950",
    strike_high="2050",
    scan_strikes=False,
)
