"""Black Thursday, patched: a liquidation ratio that covers the oracle's lag.

With the oracle up to 3 steps stale and falls of up to 10% a step, a vault is liquidated at
most four falls after it last passed the check, so a ratio r is safe exactly when
r * 0.9 ** 4 >= 1: 160% is (1.6 * 0.6561 = 1.05), 150% is not. `solvent frontier` on this
file with `--param oracle.poke.within --depth 5` finds the same bound from the other side:
at 160% the oracle may lag 3 steps, not 4 (1.6 * 0.9 ** 5 = 0.94).

    solvent prove examples/incidents/black_thursday_oracle_patched.py    # exit 0
"""

from pathlib import Path

import solvent as sv

spec = sv.load(str(Path(__file__).with_name("black_thursday_oracle.py"))).with_params(
    liquidation_ratio="1.6"
)
