"""Hyperliquid JELLY, 26 March 2025: a vault that is the counterparty of an unbounded position.

The vault (HLP) inherits a trader's short on a thin token (the trader self-liquidates into
it); nothing limits its exposure relative to its own equity, so one pump wipes it out.
Here the vault holds 1000 and a trader may trade 20,000 units at 1 against it; a 10% move
against the vault's side costs it 2000.

    solvent bmc examples/incidents/jelly_vault.py --depth 3    # exit 1
"""

from solvent.models import vault_counterparty

spec = vault_counterparty.build(name="jelly-vault", max_trade="20000")
