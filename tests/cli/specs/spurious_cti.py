"""A true invariant that is not inductive: `prove` reports a CTI (exit 2).

The level only moves once it is above 5, and it starts at 0, so it never moves and
`below_ten` always holds. But from an (unreachable) state with level 10 one step breaks
it, and no lemma says the level stays at most 5.
"""

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("spurious-cti", accounts=1)
fields.state(spec, level=Num("0"))
fields.envelope(spec, bump=sv.within("0", "1"))


@spec.tick
def drift(s, m):
    """The level drifts up, but only once it is above 5."""
    s.level = sv.when(s.level > 5, s.level + m.bump, s.level)


@spec.invariant
def below_ten(s):
    """The level stays at or below 10."""
    return s.level <= 10
