"""SPAN-like scenario margin that covers every loss at expiry inside the scan range.

Strikes 1950 and 2050 lie between the grid points of a 15% range around 2000 (1700,
1800, ..., 2300), so the margin also scans each strike (``scan_strikes=True``). Every
portfolio of futures, calls and puts that posted its scanning risk keeps non-negative
equity at any settlement price in [1700, 2300].

    solvent prove examples/correct/span_margin.py --no-slack    # exit 0
"""

from solvent.models import span

margin = span.build(
    name="span-margin",
    accounts=3,
    price="2000",
    scan_range="0.15",
    extreme_multiple="2",
    extreme_cover="0.35",
    strike_low="1950",
    strike_high="2050",
    scan_strikes=True,
)
