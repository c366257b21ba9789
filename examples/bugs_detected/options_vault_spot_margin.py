"""Cash-secured puts secured at the spot price instead of the strike.

Once the spot is below the strike, ``spot x puts`` is less than the ``strike x puts`` the
vault pays when the puts are exercised, so a put sold then leaves the vault short of cash
at expiry.

    solvent bmc examples/bugs_detected/options_vault_spot_margin.py --depth 4 \
        --invariant vault_pays_every_claim    # exit 1
"""

from solvent.models import options_vault

vault = options_vault.build(
    name="options-vault-spot-margin",
    accounts=3,
    strike="2000",
    start_price="2000",
    max_move="0.10",
    put_margin_basis="spot",
)
