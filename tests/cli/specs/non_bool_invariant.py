"""A spec whose invariant returns a number instead of a condition."""

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("non-bool-invariant", accounts=1)
fields.state(spec, price=Num("100"))
fields.envelope(spec, move=sv.within("-1/10", "1/10"))


@spec.tick
def mark(s, m):
    s.price = s.price * (1 + m.move)


@spec.invariant
def price_positive(s):
    return s.price  # should be `s.price > 0`
