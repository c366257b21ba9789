"""A spec whose symbolic encoding stands in for a solver call that stops at no limit.

Z3 does not always stop at its timeout or resource cap (a two-market step ran 31 s past
``--timeout 60``). Here evaluating the invariant on the symbolic backend (what bmc and
prove do, never loading the spec or replaying a trace) sleeps for a minute, so
``solvent prove`` and ``solvent bmc`` keep to ``--timeout`` only if the budget can stop
a phase that does not stop by itself.
"""

import time

import solvent as sv
from solvent import Num

spec = sv.Spec("stuck-solver", accounts=1)


@spec.state
class State:
    level: Num = Num("0")


@spec.envelope
class Market:
    bump: Num = sv.within("0", "1")


@spec.tick
def drift(s, m):
    s.level = s.level + m.bump


@spec.invariant
def level_nonnegative(s):
    raw = getattr(s.level, "raw", None)
    if type(raw).__module__.startswith("z3"):  # encoded for the solver
        time.sleep(60)
    return s.level >= 0
