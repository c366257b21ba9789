"""Issue 23, defects 2 and 3: an int parameter ``n``, safe exactly when ``n <= cap``.

Each step sets ``x`` to ``n``, and ``x`` must stay at most ``cap`` (3 by default): with
n <= 3 this is proved at k=1, with n >= 4 bmc fails at depth 1. ``cap`` is a second
(rational) parameter for ``synth --grid``.
"""

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("intparam", accounts=1)


@spec.params
class P:
    n: int = 2
    cap: Num = Num("3")


fields.state(spec, x=Num("0"))
fields.envelope(spec, move=sv.within("0", "0"))


@spec.tick
def grow(s, p, m):
    s.x = s.x - s.x + p.n


@spec.invariant
def at_most_cap(s, p):
    return s.x <= p.cap
