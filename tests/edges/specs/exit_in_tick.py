"""A spec whose tick calls sys.exit(7) (issue 15, defect 6)."""

import sys

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("exit_in_tick", accounts=1)
fields.state(spec, level=Num("0"))
fields.envelope(spec, bump=sv.within("0", "1"))


@spec.tick
def drift(s, m):
    """Exits the process (a spec must not)."""
    sys.exit(7)


@spec.invariant
def low(s, p):
    """The level stays at or below 3."""
    return s.level <= 3
