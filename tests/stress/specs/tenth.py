"""Initial values that are not doubles (0.1, 0.3): stress must judge the spec's own start,
not the doubles of it (float64 flags 0.1 * 3 <= 0.3 as broken; exactly it holds)."""

import solvent as sv
from solvent import Num, PerAccount

spec = sv.Spec("tenth", accounts=2)


@spec.state
class State:
    price: Num = Num("100")
    x: PerAccount[Num] = ["0.1", "0.3"]
    y: Num = Num("0.1")


@spec.envelope
class Market:
    move: Num = sv.within("-0.1", "0.1")


@spec.tick
def mark(s, m):
    s.price = s.price * (1 + m.move)


@spec.invariant
def tenth(s, p, a):
    return s.x[a] <= Num("0.3")


@spec.invariant
def ytenth(s):
    return s.y * 3 <= Num("0.3")
