"""A real bug at depth 5 whose induction step fails at every k (issue 23, prove --max-k).

``x`` grows by one a step from 0 and must stay at most 4: the base cases of k = 2..4
(bmc to depth 1..3) pass, every induction step fails (from x = 4 one more step gives 5),
and bmc to depth 5 finds the path.
"""

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("deep-bug", accounts=1)
fields.state(spec, x=Num("0"))
fields.envelope(spec, move=sv.within("0", "0"))


@spec.tick
def grow(s, m):
    s.x = s.x + 1


@spec.invariant
def at_most_four(s):
    return s.x <= 4
