"""Issue 22, reproduction 1: a state field named `action` (the solver's action choice)."""

import solvent as sv
from solvent import Num

spec = sv.Spec("collide-action", accounts=1)


@spec.state
class State:
    action: Num = Num("0")


@spec.envelope
class Market:
    move: Num = sv.within("0", "0")


@spec.tick
def mark(s, m):
    """nothing"""


@spec.action(amount=sv.within("0", "10"))
def deposit(s, p, amount):
    s.action = s.action + amount


@spec.invariant
def small(s):
    return s.action <= 5
