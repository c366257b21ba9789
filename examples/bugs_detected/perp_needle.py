"""Needle: a stale maintenance amount after a tier boundary was moved.

The isolated perpetual of ``solvent.models.perp_isolated`` with tiered maintenance margin
in the style of Binance's leverage brackets: the requirement is
``notional * rate - maintenance_amount``, where the maintenance amount of a tier is chosen
so the requirement is continuous at the tier's lower boundary::

    tier 1  notional <  50,000   8% of notional
    tier 2  notional >= 50,000   10% of notional - 1,000   (= 8% at 50,000)

The exchange lowered the tier-2 boundary from 60,000 to 50,000 to take more margin on
large positions, but kept the maintenance amount computed for the old boundary:
``60,000 * (10% - 8%) = 1,200`` instead of ``50,000 * (10% - 8%) = 1,000``. For notionals in
``[50,000, 60,000)`` the requirement now falls below 8% of notional (7.6% at 50,000), under
the 8% per-step gap the envelope allows. Everywhere else every account is required to hold
at least 8% of its notional, and with keepers every step no liquidation leaves a deficit.

The loss only exceeds the insurance fund (100) in a needle: a position of notional in
``[50,000, 55,000)`` whose equity sits within about 100 of its (too low) requirement, hit by
a gap of at least 7.8% (for one account; several accounts in the band at once widen it a
little, since their deficits add up against the same fund). One counterexample: deposit
6,750, buy 27 at 2,000, the price falls 5.15% (notional 51,219, equity 3,969, requirement
3,921.9: not liquidated, though the correct requirement 4,121.9 would have liquidated it),
then gaps 8%: equity -128.52, of which the fund covers 100 and 28.52 is bad debt.

    solvent bmc examples/bugs_detected/perp_needle.py --depth 5    # exit 1

With ``tier2_maintenance_amount="1000"`` (``build(tier2_maintenance_amount="1000")``) the
spec is the correct one and the same trace liquidates the account one step earlier.
"""

from __future__ import annotations

from typing import Any

import solvent as sv
from solvent.models import perp_isolated


def build(
    *,
    name: str = "perp-needle",
    accounts: int = 3,
    tier2_maintenance_amount: Any = "1200",
) -> sv.Spec:
    """Build the tiered isolated perpetual; ``tier2_maintenance_amount`` 1200 is the bug."""
    return perp_isolated.build(
        name=name,
        accounts=accounts,
        initial_margin="0.125",
        maintenance_margin="0.08",
        tier2=("50000", "0.10", tier2_maintenance_amount),
    )


perp = build()
