"""A spec whose envelope bound is empty: the lower end exceeds the upper end."""

import solvent as sv

spec = sv.Spec("empty-envelope", accounts=1)


@spec.envelope
class Market:
    move: sv.Num = sv.within("1", "0")
