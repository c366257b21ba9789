"""A user's slip: the action's parameters are (s, a), without p."""

import solvent as sv
from solvent import Num, PerAccount, requires

spec = sv.Spec("no-p", accounts=2)


@spec.state
class State:
    hit: PerAccount[Num] = Num("0")


@spec.action
def default(s, a):
    requires(s.hit[a] == 0)
    s.hit[a] = Num("1")


@spec.invariant
def fine(s):
    return s.hit[0] <= 1
