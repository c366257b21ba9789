"""A proof that needs a relation between two fields: ``x <= y``.

Both start at 0; ``grow`` raises ``y`` and raises ``x`` (ten times faster) only once it is
above ``y``, which never happens, so ``x <= y + 1`` always holds. From an unreachable
state with ``x`` just above ``y`` one step breaks it, at every k; no range of one field
rules that state out, the relation ``x <= y`` does.
"""

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("relation-lemma", accounts=1)
fields.state(spec, x=Num("0"), y=Num("0"))
fields.envelope(spec, calm=sv.within("0", "0"))


@spec.action(q=sv.within("0", "1"))
def grow(s, p, q):
    """y grows; x grows ten times faster, but only once it is above y."""
    s.y = s.y + q
    s.x = sv.when(s.x > s.y, s.x + 10 * q, s.x)


@spec.invariant
def x_near_y(s):
    """x never gets more than 1 above y."""
    return s.x <= s.y + 1
