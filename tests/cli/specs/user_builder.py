"""A user's spec built by an ``@sv.builder`` function: ``--set max_move`` rebuilds it, so
the envelope follows the parameter. Its rules (``tick``, ``bounded``) are also those of
``static_param_read.py``, the same spec declared without a builder."""

from typing import Any

import solvent as sv
from solvent import Num
from solvent.models import fields


def tick(s: Any, p: Any, m: Any) -> None:
    s.x = sv.minimum(s.x + m.move, p.cap)


def bounded(s: Any, p: Any) -> Any:
    return s.x <= p.cap


@sv.builder
def build(max_move: Any = "0.05", cap: Any = "100") -> sv.Spec:
    perp = sv.Spec("built", accounts=1)
    lim = Num(max_move)
    fields.params(perp, max_move=lim, cap=Num(cap))
    fields.state(perp, x=Num("0"))
    fields.envelope(perp, move=sv.within(-lim, lim))
    perp.tick(tick)
    perp.invariant(bounded)
    return perp


spec = build()
