"""Issue 22, reproduction 2: an action `market` whose argument is named like a draw."""

import solvent as sv
from solvent import Num

spec = sv.Spec("collide-market", accounts=1)


@spec.state
class State:
    total: Num = Num("0")


@spec.envelope
class Market:
    move: Num = sv.within("-0.08", "0.08")


@spec.tick
def mark(s, m):
    """nothing"""


@spec.action(move=sv.within("0", "10"))
def market(s, p, move):
    s.total = move


@spec.invariant
def bounded(s):
    return s.total <= 1
