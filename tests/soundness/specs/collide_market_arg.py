"""Issue 22, reproduction 2: an action `market` whose argument is named like a draw.
``build(..., accumulate=True)`` is reproduction 2b (collide_market_arg_cti.py)."""

import runpy
from pathlib import Path

import solvent as sv
from solvent import Num

calm = runpy.run_path(str(Path(__file__).with_name("_calm.py")))["calm"]


def build(name: str, accumulate: bool = False) -> sv.Spec:
    spec = calm(name, "-0.08", "0.08", total=Num("0"))

    @spec.action(move=sv.within("0", "10"))
    def market(s, p, move):
        s.total = s.total + move if accumulate else move

    @spec.invariant
    def bounded(s):
        return s.total <= 1

    return spec


spec = build("collide-market")
