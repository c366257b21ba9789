"""Per-account keepers that act again and again (halving a position each time it grows past
twice the account's cash) and pay from a shared fund: accounts meet only through the fund,
in account order (cone replays with windows wider than one step, issue 16)."""

import solvent as sv
from solvent import Num, PerAccount

spec = sv.Spec("trim", accounts=2)


@spec.state
class State:
    price: Num = Num("100")
    insurance: Num = Num("25")
    bad_debt: Num = Num("0")
    liquidations: Num = Num("0")
    cash: PerAccount[Num] = sv.within("50", "200")
    size: PerAccount[Num] = sv.within("0.5", "3")


@spec.envelope
class Market:
    move: Num = sv.within("-0.5", "0.5")


@spec.tick
def mark(s, m):
    s.price = s.price * (1 + m.move)


@spec.keeper(every_step=True)
def trim(s, p, a):
    sv.requires(s.size[a] * s.price > 2 * s.cash[a])
    s.insurance = s.insurance - s.size[a] * s.price / 25
    s.bad_debt = sv.maximum(s.bad_debt, -s.insurance)
    s.size[a] = s.size[a] / 2
    s.liquidations = s.liquidations + 1


@spec.invariant
def funded(s):
    return s.insurance >= 0


@spec.invariant
def positions(s):
    return sv.all_of(s.size[a] >= 0 for a in s.accounts)
