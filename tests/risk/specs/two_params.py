"""Two parameters, a grid with every kind of point, each proof well under a second.

``add`` raises ``x`` by up to ``step`` while it is below ``cap``, so the largest
reachable value is just under ``cap + step``: ``x <= 10`` is proved exactly when
``cap + step <= 10``. Beyond that a counterexample needs ``x`` past 10 within the bmc depth
(3 steps of at most ``step`` each): at cap 9, step 4 there is one (4, 8, 12); at cap 9,
step 2 there is none within 3 steps (a point that is not proved, with no counterexample).
"""

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("two-params", accounts=1)
fields.params(spec, cap=Num("5"), step=Num("2"))
fields.state(spec, x=Num("0"))
fields.envelope(spec, noise=sv.within("0", "0"))


@spec.action(q=sv.within("0", "1"))
def add(s, p, q):
    """Add up to one step while below the cap."""
    sv.requires(s.x < p.cap)
    s.x = s.x + p.step * q


@spec.invariant
def at_most_ten(s):
    """x stays at or below 10."""
    return s.x <= 10
