"""Isolated perpetual whose liquidation keeper may be late: ``within=k`` bounded liveness.

The isolated perpetual of :mod:`solvent.models.perp_isolated` with its keeper declared
``within=liquidate_within`` instead of ``every_step``: the adversary may skip the liquidation
of an account below maintenance for up to ``k`` consecutive steps (a keeper outage, a
congested chain, Black Thursday), and must run it in the next one. Its ``healthy`` lemma
(every account at maintenance after the keeper) no longer holds; the model states what a
late keeper leaves instead (``survives_late``).

Closed form (``max_move`` = d, ``maintenance_margin`` = m): an account may sit exactly at
maintenance (not yet liquidatable) and then see k + 1 moves of d against it before the
keeper must close it. A short of size s at price P with equity m*s*P has quote
``(1 + m)*s*P``; after n moves up its equity is ``s*P*((1 + m) - (1 + d)**n)``. So the
protocol stays solvent for every path exactly when ``(1 + d)**(k + 1) <= 1 + m`` (the long
side, ``(1 - d)**(k + 1) >= 1 - m``, follows by Bernoulli's inequality), and the largest
tolerable delay is the largest such k (:func:`largest_delay`; None when even k = 0 fails:
plain gap risk).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import solvent as sv
from solvent import Num
from solvent.models import perp_isolated
from solvent.models.params import PERP, Knobs, takes
from solvent.models.validate import check_count

DESCRIPTION = (
    "isolated perp whose liquidation keeper may be late k steps (within=k); closed-form delay"
)


def largest_delay(max_move: Any, maintenance_margin: Any) -> int | None:
    """The largest k with ``(1 + max_move)**(k + 1) <= 1 + maintenance_margin`` (exact)."""
    d, m = Fraction(Num(max_move)), Fraction(Num(maintenance_margin))
    n = 0
    while (1 + d) ** (n + 1) <= 1 + m:
        n += 1
        if d == 0:
            raise ValueError("max_move = 0: every delay is tolerable")
    return n - 1 if n else None


@sv.builder
@takes(
    name="perp-keeper-late",
    accounts=1,
    liquidate_within=1,
    **PERP.but(initial_margin="0.06", insurance_fund="0", max_move="0.02"),
)
def build(k: Knobs) -> sv.Spec:
    """Build the isolated perpetual with a keeper late at most ``liquidate_within`` steps."""
    check_count("accounts", k.accounts)
    spec = perp_isolated.build(name=k.name, accounts=k.accounts, **k.pick(PERP))
    spec = spec.with_within("liquidate", k.liquidate_within)
    spec.recipe = None  # this builder's own recipe replaces perp_isolated's
    spec.adjustments = ()
    spec.lemmas = [d for d in spec.lemmas if d.name != "healthy"]
    late = k.liquidate_within
    largest = largest_delay(k.max_move, k.maintenance_margin)
    spec.derive(
        "largest_delay",
        largest,
        "largest liquidate_within for which no path is insolvent (closed form, see the module)",
    )
    d = Num(k.max_move)
    up = [(1 + d) ** n for n in range(late + 2)]
    down = [(1 - d) ** n for n in range(late + 2)]

    if largest is None or late > largest:
        return spec  # no path-independent claim to add: bmc finds the insolvent path

    @spec.lemma
    def survives_late(s: Any, p: Any, a: int) -> Any:
        """An account late j steps stays solvent through k + 1 - j more moves against it."""
        e_up = [s.quote[a] + s.size[a] * s.price * up[n] for n in range(late + 2)]
        e_down = [s.quote[a] + s.size[a] * s.price * down[n] for n in range(late + 2)]
        return sv.all_of(
            (s.liquidate_late[a] != j) | ((e_up[late + 1 - j] >= 0) & (e_down[late + 1 - j] >= 0))
            for j in range(late + 1)
        )

    return spec
