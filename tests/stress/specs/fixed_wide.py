"""Fixed point where some lanes leave int64 (stress test fixture).

``x`` starts uniform in [0, 8e12] with 6 decimals (up to 8e18 units, inside int64);
each step doubles it into ``y = x + x``, which leaves int64 (9.22e18 units) when
``x > 4.61e12``: those lanes overflow. The invariant ``y <= 9e12`` breaks exactly when
``x > 4.5e12``, so the lanes with x in (4.5e12, 4.61e12] are plain int64 violations and
the ones above are overflowed lanes whose exact re-run confirms the violation.
"""

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("fixed-wide", accounts=1, arithmetic="fixed", decimals=6)
fields.state(spec, x=sv.within("0", "8000000000000"), y=Num("0"))
fields.envelope(spec, move=sv.within("-0.5", "0.5"))


@spec.tick
def mark(s, m):
    s.y = s.x + s.x


@spec.invariant
def bounded(s):
    return s.y <= Num("9000000000000")
