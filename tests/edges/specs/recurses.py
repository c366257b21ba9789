"""A spec whose tick recurses without end (issue 15, defect 7)."""

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("recurses", accounts=1)
fields.state(spec, level=Num("0"))
fields.envelope(spec, bump=sv.within("0", "1"))


def deeper(n):
    return deeper(n + 1)


@spec.tick
def drift(s, m):
    """Never returns."""
    s.level = s.level + deeper(0)


@spec.invariant
def low(s, p):
    """The level stays at or below 3."""
    return s.level <= 3
