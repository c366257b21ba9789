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
def build(
    *,
    name: str = "perp-keeper-late",
    accounts: int = 1,
    liquidate_within: int = 1,
    initial_margin: Any = "0.06",
    maintenance_margin: Any = "0.05",
    liquidation_fee: Any = "0.01",
    insurance_fund: Any = "0",
    max_move: Any = "0.02",
    max_trade: Any = "50",
    start_price: Any = "2000",
    collateral: tuple[Any, Any] = ("0", "10000"),
) -> sv.Spec:
    """Build the isolated perpetual with a keeper late at most ``liquidate_within`` steps."""
    check_count("accounts", accounts)
    spec = perp_isolated.build(
        name=name,
        accounts=accounts,
        initial_margin=initial_margin,
        maintenance_margin=maintenance_margin,
        liquidation_fee=liquidation_fee,
        insurance_fund=insurance_fund,
        max_move=max_move,
        max_trade=max_trade,
        start_price=start_price,
        collateral=collateral,
    )
    spec = spec.with_within("liquidate", liquidate_within)
    spec.recipe = None  # this builder's own recipe replaces perp_isolated's
    spec.adjustments = ()
    spec.lemmas = [d for d in spec.lemmas if d.name != "healthy"]
    k = liquidate_within
    largest = largest_delay(max_move, maintenance_margin)
    spec.derive(
        "largest_delay",
        largest,
        "largest liquidate_within for which no path is insolvent (closed form, see the module)",
    )
    d = Num(max_move)
    up = [(1 + d) ** n for n in range(k + 2)]
    down = [(1 - d) ** n for n in range(k + 2)]

    if largest is None or k > largest:
        return spec  # no path-independent claim to add: bmc finds the insolvent path

    @spec.lemma
    def survives_late(s: Any, p: Any, a: int) -> Any:
        """An account late j steps stays solvent through k + 1 - j more moves against it."""
        e_up = [s.quote[a] + s.size[a] * s.price * up[n] for n in range(k + 2)]
        e_down = [s.quote[a] + s.size[a] * s.price * down[n] for n in range(k + 2)]
        return sv.all_of(
            (s.liquidate_late[a] != j) | ((e_up[k + 1 - j] >= 0) & (e_down[k + 1 - j] >= 0))
            for j in range(k + 1)
        )

    return spec
