"""Issue 25: a guard float64 decides wrongly (`p + p*1e-18 > p` is False in float64, True
exactly), so every path is insolvent while float64 flags none."""

import solvent as sv
from solvent import Num, PerAccount, requires
from solvent.models import blocks_perp as shared

spec = sv.Spec("miss", accounts=1)


@spec.state
class State:
    price: Num = Num("100")
    bad_debt: Num = Num("0")
    quote: PerAccount[Num] = Num("10")
    size: PerAccount[Num] = Num("0")


shared.move_envelope(spec, "0.1")
shared.mark_tick(spec)


@spec.keeper(every_step=True)
def write_off(s, a):
    requires(s.price + s.price * Num("1e-18") > s.price)
    s.bad_debt = s.bad_debt + 1


@spec.invariant
def solvent(s):
    return s.bad_debt <= 0
