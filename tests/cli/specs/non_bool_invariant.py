"""A spec whose invariant returns a number instead of a condition."""

import solvent as sv
from solvent import Num

spec = sv.Spec("non-bool-invariant", accounts=1)


@spec.state
class State:
    price: Num = Num("100")


@spec.envelope
class Market:
    move: Num = sv.within("-1/10", "1/10")


@spec.tick
def mark(s, m):
    s.price = s.price * (1 + m.move)


@spec.invariant
def price_positive(s):
    return s.price  # should be `s.price > 0`
