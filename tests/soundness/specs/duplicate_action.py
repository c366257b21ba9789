"""Issue 22, reproduction 4: two actions registered under one name by a factory."""

import solvent as sv
from solvent import Num

spec = sv.Spec("duplicate-action", accounts=1)


@spec.state
class State:
    total: Num = Num("0")


@spec.envelope
class Market:
    move: Num = sv.within("0", "0")


@spec.tick
def mark(s, m):
    """nothing"""


def make_add(hi):
    @spec.action(amount=sv.within("0", hi))
    def add(s, p, amount):
        s.total = s.total + amount

    return add


make_add("1")
make_add("10")


@spec.invariant
def small(s):
    return s.total <= 5
