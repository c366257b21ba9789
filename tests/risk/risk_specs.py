"""Small specs for the risk tests (built fresh per test: specs are mutable registries)."""

from __future__ import annotations

from typing import Any

import solvent as sv
from solvent import Num
from solvent.models import fields, perp_isolated


def perp(
    accounts: int = 1,
    maintenance_margin: str = "0.08",
    max_move: str = "0.08",
    initial_margin: str = "0.10",
) -> sv.Spec:
    """The isolated perp with no insurance fund: safe iff max_move <= maintenance_margin."""
    return perp_isolated.build(
        accounts=accounts,
        maintenance_margin=maintenance_margin,
        max_move=max_move,
        initial_margin=initial_margin,
        insurance_fund="0",
    )


def window(c: str = "4") -> sv.Spec:
    """Unsafe exactly when 1 < c < 3: a parameter whose safe set is not an interval."""
    spec = sv.Spec("window", accounts=1)
    fields.params(spec, c=Num(c), strict=False)
    fields.state(spec, x=Num("0"))
    fields.symmetric(spec, move="1")

    @spec.tick
    def tick(s: Any, p: Any, m: Any) -> None:
        s.x = p.c

    @spec.invariant
    def outside_window(s: Any, p: Any) -> Any:
        return (s.x <= 1) | (s.x >= 3)

    return spec


def broken() -> sv.Spec:
    """Fails at step 1 whatever the envelope: unsafe at its most conservative value."""
    spec = sv.Spec("broken", accounts=1)
    fields.state(spec, x=Num("0"))
    fields.envelope(spec, move=sv.within("-0.1", "0.1"))

    @spec.tick
    def tick(s: Any, m: Any) -> None:
        s.x = s.x + 1 + m.move * 0

    @spec.invariant
    def never_moves(s: Any) -> Any:
        return s.x <= 0

    return spec
