"""The frontier example with its opening rule stated as a leverage cap (for the safe region).

Same isolated perpetual as ``perp_frontier.py`` (no insurance fund, keepers every step),
but a trade or withdrawal must leave ``equity * max_leverage >= notional``: the spec's
parameter is ``max_leverage`` instead of ``initial_margin``.

    solvent synth examples/frontier/perp_leverage.py --param maintenance_margin \\
        --param max_leverage --direction down,up --grid 6 --range 0.02 0.12 --range2 5 20
"""

from solvent.models import perp_isolated

perp = perp_isolated.build(
    name="perp-leverage",
    accounts=3,
    maintenance_margin="0.08",
    max_leverage="10",
    liquidation_fee="0.01",
    insurance_fund="0",
    max_move="0.08",
)
