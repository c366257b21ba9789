"""A ghost field tied to the others by @initial: uniform sampling can never meet it."""

import solvent as sv
from solvent import Num
from solvent.models import blocks_perp as shared
from solvent.models import fields

spec = sv.Spec("ghost", accounts=2)


fields.state(spec, price=Num("100"), **fields.zeros("bad_debt insurance liquidations"))
fields.state(spec, deposits=sv.within("0", "100"))
fields.accounts(spec, cash=sv.within("0", "50"))


shared.move_envelope(spec, "0.1")
shared.mark_tick(spec)


@spec.initial
def recorded(s):
    return s.deposits == s.cash[0] + s.cash[1]


@spec.invariant
def conserved(s):
    return s.deposits == s.cash[0] + s.cash[1]
