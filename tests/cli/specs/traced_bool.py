"""Three specs that use a traced value as a Python bool: `if`, `and` and builtin `max()`.

The file defines several specs, so it also serves the "several specs, no name" case.
"""

import solvent as sv
from solvent import Num
from solvent.models import fields


def build(name):
    spec = sv.Spec(name, accounts=1)
    fields.state(spec, price=Num("100"), loss=Num("0"))
    fields.envelope(spec, move=sv.within("-1/10", "1/10"))
    return spec


uses_if = build("uses-if")
uses_and = build("uses-and")
uses_max = build("uses-max")


@uses_if.tick
def mark_if(s, m):
    if m.move < 0:
        s.loss = s.loss - m.move
    s.price = s.price * (1 + m.move)


@uses_if.invariant
def loss_small_if(s):
    return s.loss <= 1


@uses_and.tick
def mark_and(s, m):
    s.price = s.price * (1 + m.move)


@uses_and.invariant
def price_in_range(s):
    return s.price > 0 and s.price < 1000


@uses_max.tick
def mark_max(s, m):
    s.loss = max(s.loss, -m.move)
    s.price = s.price * (1 + m.move)


@uses_max.invariant
def loss_small_max(s):
    return s.loss <= 1
