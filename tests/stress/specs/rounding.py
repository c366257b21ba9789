"""A spec whose invariant float64 gets wrong: x * 3 / 3 == x holds exactly, not in floats.

float64 rounds 0.1 * 3 / 3 to 0.10000000000000002, so the vector lanes flag every path;
the exact re-run refutes each one (stress must report them as unconfirmed).
"""

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("rounding", accounts=1)
fields.state(spec, x=Num("0.1"))
fields.envelope(spec, move=sv.within("-0.1", "0.1"))


@spec.tick
def mark(s, m):
    s.x = s.x + m.move * 0


@spec.invariant
def roundtrip(s):
    return s.x * 3 / 3 == s.x
