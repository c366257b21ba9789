"""A ghost field tied to the others by @initial: uniform sampling can never meet it."""

import solvent as sv
from solvent import Num, PerAccount

spec = sv.Spec("ghost", accounts=2)


@spec.state
class State:
    price: Num = Num("100")
    bad_debt: Num = Num("0")
    insurance: Num = Num("0")
    liquidations: Num = Num("0")
    deposits: Num = sv.within("0", "100")
    cash: PerAccount[Num] = sv.within("0", "50")


@spec.envelope
class Market:
    move: Num = sv.within("-0.1", "0.1")


@spec.tick
def mark(s, m):
    s.price = s.price * (1 + m.move)


@spec.initial
def recorded(s):
    return s.deposits == s.cash[0] + s.cash[1]


@spec.invariant
def conserved(s):
    return s.deposits == s.cash[0] + s.cash[1]
