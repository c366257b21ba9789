"""A tiny spec for CLI tests: a level that drifts up by at most 1 per step, capped at 3.

`bmc --depth 3` passes, `bmc --depth 4` fails at step 4 (0 + 1 + 1 + 1 + 1 > 3), and
`prove` gives a CTI (from level 3 one more step breaks the cap). With ``--set cap=100``
nothing breaks within 5 steps.
"""

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("counter", accounts=2)
fields.params(spec, cap=Num("3"))
fields.state(spec, level=Num("0"))
fields.accounts(spec, balance=Num("0"))
fields.envelope(spec, bump=sv.within("0", "1"))


@spec.tick
def drift(s, m):
    """The level drifts up by the market's bump."""
    s.level = s.level + m.bump


@spec.action(amount=sv.within("0", "1"))
def deposit(s, p, a, amount):
    """Account `a` deposits up to 1."""
    s.balance[a] = s.balance[a] + amount


@spec.invariant
def below_cap(s, p):
    """The level stays at or below the cap."""
    return s.level <= p.cap
