"""A user's spec built by an ``@sv.builder`` function: ``--set max_move`` rebuilds it, so
the envelope follows the parameter."""

from typing import Any

import solvent as sv
from solvent import Num


@sv.builder
def build(max_move: Any = "0.05", cap: Any = "100") -> sv.Spec:
    perp = sv.Spec("built", accounts=1)
    lim, top = Num(max_move), Num(cap)

    @perp.params
    class Params:
        max_move: Num = lim
        cap: Num = top

    @perp.state
    class State:
        x: Num = Num("0")

    @perp.envelope
    class Market:
        move: Num = sv.within(-lim, lim)

    @perp.tick
    def tick(s: Any, p: Any, m: Any) -> None:
        s.x = sv.minimum(s.x + m.move, p.cap)

    @perp.invariant
    def bounded(s: Any, p: Any) -> Any:
        return s.x <= p.cap

    return perp


spec = build()
