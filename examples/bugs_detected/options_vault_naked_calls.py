"""Over-writing: the vault sells 1.25 calls per unit of underlying it holds.

The extra quarter is a naked call. When the price ends above the strike, the vault must
deliver more units than it holds.

    solvent bmc examples/bugs_detected/options_vault_naked_calls.py --depth 4 \
        --invariant vault_pays_every_claim    # exit 1
"""

from solvent.models import options_vault

vault = options_vault.build(
    name="options-vault-naked-calls",
    accounts=3,
    strike="2000",
    start_price="2000",
    max_move="0.10",
    call_coverage="1.25",
)
