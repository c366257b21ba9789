"""Mango Markets, 11 October 2022: unrealised PnL at a manipulated oracle is withdrawn.

The account is long MNGO-PERP. The oracle follows a thin market the attacker can push (here
by up to 50% a step, up to +300% in total) while the deep index barely moves. Margin is
checked at the oracle, so the paper profit of a pushed oracle counts as collateral and can
be withdrawn; at the index the account is then far below zero: bad debt.

    solvent bmc examples/incidents/mango_oracle.py --depth 3    # exit 1
    solvent bmc examples/incidents/mango_oracle.py --depth 3 --action withdraw
"""

from solvent.models import oracle_margin

spec = oracle_margin.build(name="mango-oracle", margin_price="mark")
