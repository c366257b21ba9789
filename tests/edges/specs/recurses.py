"""A spec whose tick recurses without end (issue 15, defect 7)."""

import solvent as sv
from solvent import Num

spec = sv.Spec("recurses", accounts=1)


@spec.state
class State:
    level: Num = Num("0")


@spec.envelope
class Market:
    bump: Num = sv.within("0", "1")


def deeper(n):
    return deeper(n + 1)


@spec.tick
def drift(s, m):
    """Never returns."""
    s.level = s.level + deeper(0)


@spec.invariant
def low(s, p):
    """The level stays at or below 3."""
    return s.level <= 3
