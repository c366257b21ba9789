"""Reused numbers and their decisions (issue 16): the keeper's guard compares ``x < y`` and
``z < y``; the invariants compare ``x < y`` again (checked by the keeper: not checked a
second time) and ``z <= x`` (never checked by the keeper, and undecided by the bounds:
``x = size * price * 0.1`` and ``z = size * price / 10`` are equal in exact arithmetic)."""

from fractions import Fraction

import solvent as sv
from solvent import Num
from solvent.models import blocks_perp as shared

spec = sv.Spec("tie", accounts=2)
shared.perp_book(spec, Num("100"), Num("10"))
shared.account_fields(spec, sv.within("-100", "100"), sv.within("0.1", "1"))
shared.move_envelope(spec, "0.2")


def _xyz(s, a):
    value = s.size[a] * s.price
    return value * Fraction(1, 10), value + s.quote[a], value / 10


@spec.keeper(every_step=True)
def flag(s, p, a):
    x, y, z = _xyz(s, a)
    sv.requires((y < x) & (y < z))
    s.liquidations = s.liquidations + 1


@spec.invariant
def covered(s, p, a):
    x, y, _z = _xyz(s, a)
    return x <= y


@spec.invariant
def tied(s, p, a):
    x, _y, z = _xyz(s, a)
    return z <= x
