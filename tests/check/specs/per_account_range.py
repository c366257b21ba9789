"""A per-account level that only moves above 5, so it never moves: the proof needs a
per-account range lemma (``level[a] <= 5``) that the spec does not state.

Each account's level starts at 0 and ``bump`` raises it only once it is above 5, so
``below_ten`` always holds; but from an unreachable state with a level of 9.5 one bump
breaks it, at every k. ``prove`` suggests the per-account lemma and checks it.
"""

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("per-account-range", accounts=2)
fields.accounts(spec, level=Num("0"))
fields.envelope(spec, drift=sv.within("0", "0"))


@spec.action(x=sv.within("0", "1"))
def bump(s, p, a, x):
    """Raise the level, but only once it is above 5."""
    s.level[a] = sv.when(s.level[a] > 5, s.level[a] + x, s.level[a])


@spec.invariant
def below_ten(s, p, a):
    """Each account's level stays at or below 10."""
    return s.level[a] <= 10
