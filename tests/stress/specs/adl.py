"""A keeper that writes another account: does not fit the compiled kernel (lanes fallback)."""

import solvent as sv
from solvent import Num, PerAccount

spec = sv.Spec("pass-the-loss", accounts=3)


@spec.state
class State:
    price: Num = Num("100")
    bad_debt: Num = Num("0")
    insurance: Num = Num("10")
    liquidations: Num = Num("0")
    bal: PerAccount[Num] = Num("5")


@spec.envelope
class Market:
    move: Num = sv.within("-0.5", "0.5")


@spec.tick
def mark(s, m):
    s.price = s.price * (1 + m.move)


@spec.keeper(every_step=True)
def shift(s, p, a):
    sv.requires(s.price < 99)
    s.bal[(a + 1) % 3] = s.bal[(a + 1) % 3] - 1
    s.liquidations = s.liquidations + 1


@spec.invariant
def nonnegative(s):
    return sv.all_of(s.bal[a] >= 0 for a in s.accounts) & (
        sv.sum(s.bal[a] for a in s.accounts) >= 0
    )
