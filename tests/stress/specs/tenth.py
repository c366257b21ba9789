"""Initial values that are not doubles (0.1, 0.3): stress must judge the spec's own start,
not the doubles of it (float64 flags 0.1 * 3 <= 0.3 as broken; exactly it holds)."""

import solvent as sv
from solvent import Num, PerAccount
from solvent.models import blocks_perp as shared

spec = sv.Spec("tenth", accounts=2)


@spec.state
class State:
    price: Num = Num("100")
    x: PerAccount[Num] = ["0.1", "0.3"]
    y: Num = Num("0.1")


shared.move_envelope(spec, "0.1")
shared.mark_tick(spec)


@spec.invariant
def tenth(s, p, a):
    return s.x[a] <= Num("0.3")


@spec.invariant
def ytenth(s):
    return s.y * 3 <= Num("0.3")
