"""Issue 22 in fixed point: a field `action`, a keeper and a field `drain`, an action
`market` with an argument `move` (each collision used to hide this violation)."""

import solvent as sv
from solvent import Bool, Num, PerAccount

spec = sv.Spec("collide-fixed", accounts=2, arithmetic="fixed", decimals=2)


@spec.state
class State:
    action: Num = Num("0")
    drain: PerAccount[Bool] = [True, False]
    paid: PerAccount[Num] = ["1", "0"]


@spec.envelope
class Market:
    move: Num = sv.within("-0.08", "0.08")


@spec.tick
def mark(s, m):
    """nothing"""


@spec.action(move=sv.within("0", "3"))
def market(s, p, a, move):
    s.action = s.action + move


@spec.keeper(adversarial=True)
def drain(s, p, a):
    s.drain[a] = False
    s.paid[a] = s.paid[a] + sv.mul_up(s.action, Num("0.5"))


@spec.invariant
def small(s, p, a):
    return s.paid[a] <= 1
