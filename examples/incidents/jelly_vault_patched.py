"""Hyperliquid JELLY, patched: the vault's exposure is capped at 5 times its equity.

Trades may not take the vault's exposure |net| * price above 5 * equity, and the vault
deleverages back to the cap after every move. A move of d costs at most 5 * d of the
equity, so every move up to 1/5 = 20% a step is survived (the model's closed form;
`solvent frontier examples/incidents/jelly_vault_patched.py --param move` finds 0.2).

    solvent prove examples/incidents/jelly_vault_patched.py    # exit 0
"""

from solvent.models import vault_counterparty

spec = vault_counterparty.build(name="jelly-vault-patched", max_trade="20000", oi_cap="5")
