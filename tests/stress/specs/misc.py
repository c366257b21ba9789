"""Exercises the kernel's less common shapes: a global keeper over a fold, bool fields."""

import solvent as sv
from solvent import Bool, Num, PerAccount

spec = sv.Spec("misc", accounts=3)


@spec.params
class Params:
    floor: Num = Num("-50")


@spec.state
class State:
    price: Num = Num("100")
    halted: Bool = False
    bad_debt: Num = Num("0")
    insurance: Num = Num("20")
    liquidations: Num = Num("0")
    pos: PerAccount[Num] = sv.within("-5", "5")
    hit: PerAccount[Bool] = False


@spec.envelope
class Market:
    move: Num = sv.within("-0.1", "0.1")


@spec.tick
def mark(s, p, m):
    s.price = sv.when(s.halted, s.price, s.price * (1 + m.move))


@spec.keeper(every_step=True)
def halt(s, p):
    total = sv.sum(s.pos[a] * (s.price - 100) for a in s.accounts)
    sv.requires(total < p.floor)
    s.halted = True
    s.insurance = s.insurance - 1
    s.bad_debt = sv.maximum(s.bad_debt, -s.insurance)


@spec.keeper(adversarial=True)
def mark_hit(s, p, a):
    sv.requires(~s.hit[a] & (s.pos[a] * (s.price - 100) < -10))
    s.hit[a] = True
    s.liquidations = s.liquidations + 1


@spec.invariant
def fund(s):
    return (s.insurance >= 0) | s.halted


@spec.invariant
def not_all_hit(s):
    return ~sv.all_of(s.hit[a] for a in s.accounts)


@spec.initial
def not_too_short(s, p):
    return sv.sum(s.pos[a] for a in s.accounts) > -3
