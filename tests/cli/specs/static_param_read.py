"""A spec that reads a parameter as a plain value while it is built (``Params.max_move``
bounds the envelope): ``--set max_move`` is refused (SV804), ``--set cap`` (read only as
``p.cap`` in the rules) is not."""

from typing import Any

import solvent as sv
from solvent import Num

perp = sv.Spec("static-read", accounts=1)


@perp.params
class Params:
    max_move: Num = Num("0.05")
    cap: Num = Num("100")


@perp.state
class State:
    x: Num = Num("0")


@perp.envelope
class Market:
    move: Num = sv.within(-Params.max_move, Params.max_move)


@perp.tick
def tick(s: Any, p: Any, m: Any) -> None:
    s.x = sv.minimum(s.x + m.move, p.cap)


@perp.invariant
def bounded(s: Any, p: Any) -> Any:
    return s.x <= p.cap
