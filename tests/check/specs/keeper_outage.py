"""A keeper outage bounded by a counter, without the lemma that bounds the counter.

The keeper may be down (``m.outage >= 0.5``) for at most two steps in a row: the tick
counts the steps it has been down in ``down`` and brings it back once ``down`` reaches 2.
While it is down, unliquidated losses pile up in ``pending`` (at most 10 per step); the
keeper clears them when it is back. So ``pending`` never exceeds 20, within the invariant's
30. The proof needs a fact the spec does not state: the counter never goes below zero
(``down >= 0``). Without it the induction step starts from a state with a negative counter
(an outage that never ends) and fails, at every k. ``prove`` suggests the missing lemma.
"""

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("keeper-outage", accounts=1)
fields.state(spec, down=Num("0"), pending=Num("0"))
fields.envelope(spec, outage=sv.within("0", "1"), loss=sv.within("0", "10"))


@spec.tick
def outage(s, m):
    """The keeper is down this step if the market says so and it was not down twice already."""
    s.down = sv.when((m.outage >= Num("0.5")) & (s.down <= 1), s.down + 1, 0)
    s.pending = sv.when(s.down == 0, 0, s.pending + m.loss)


@spec.invariant
def losses_bounded(s):
    """Unliquidated losses stay within what the fund covers."""
    return s.pending <= 30
