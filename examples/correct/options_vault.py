"""A covered-call / cash-secured-put vault: every claim is paid at expiry, at any price.

The vault writes calls only against underlying it holds (one unit per call) and puts only
against cash that covers the strike (strike x puts). Whatever the settlement price, it
delivers at most one unit per call and pays at most the strike per put, so it never owes
more than it holds.

    solvent prove examples/correct/options_vault.py --no-slack    # exit 0
"""

from solvent.models import options_vault

vault = options_vault.build(
    name="options-vault",
    accounts=3,
    strike="2000",
    start_price="2000",
    max_move="0.10",
    call_coverage="1",
    put_margin_basis="strike",
)
