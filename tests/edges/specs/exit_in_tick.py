"""A spec whose tick calls sys.exit(7) (issue 15, defect 6)."""

import sys

import solvent as sv
from solvent import Num

spec = sv.Spec("exit_in_tick", accounts=1)


@spec.state
class State:
    level: Num = Num("0")


@spec.envelope
class Market:
    bump: Num = sv.within("0", "1")


@spec.tick
def drift(s, m):
    """Exits the process (a spec must not)."""
    sys.exit(7)


@spec.invariant
def low(s, p):
    """The level stays at or below 3."""
    return s.level <= 3
