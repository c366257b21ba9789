"""Issue 22, reproduction 3: an adversarial keeper `drain` and a Bool state field `drain`."""

import solvent as sv
from solvent import Bool, Num

spec = sv.Spec("collide-keeper", accounts=1)


@spec.state
class State:
    drain: Bool = True
    paid: Num = Num("0")


@spec.envelope
class Market:
    move: Num = sv.within("0", "0")


@spec.tick
def mark(s, m):
    """nothing"""


@spec.keeper(adversarial=True)
def drain(s, p):
    s.drain = False
    s.paid = s.paid + 1


@spec.invariant
def nothing_paid(s):
    return s.paid <= 0
