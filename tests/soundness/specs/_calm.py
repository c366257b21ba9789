"""The still market the issue 22 reproductions (``collide_*.py``, ``duplicate_action.py``)
share: a spec whose state is ``state`` (declared with ``models.fields``), whose one draw
``move`` lies within ``[lo, hi]`` and whose tick ``mark`` changes nothing, so that each
reproduction states only its colliding names, its action or keeper and its invariant.
Not a spec itself: each reproduction loads it with ``runpy.run_path``."""

import solvent as sv
from solvent.models import fields


def calm(name, lo="0", hi="0", **state):
    spec = sv.Spec(name, accounts=1)
    fields.state(spec, **state)
    fields.envelope(spec, move=sv.within(lo, hi))

    @spec.tick
    def mark(s, m):
        """nothing"""

    return spec
