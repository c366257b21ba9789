"""A custom perp whose fields are not the names stress reads by default: the mark price is
``mark``, and it has no ``bad_debt``, ``insurance`` or ``liquidations`` field."""

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("custom-fields", accounts=2)
fields.state(spec, mark=Num("100"))
fields.accounts(spec, quote=sv.within("0", "1000"), size=Num("0"))
fields.envelope(spec, move=sv.within("-0.05", "0.05"))


@spec.tick
def tick(s, m):
    s.mark = s.mark * (1 + m.move)


@spec.invariant
def equity_nonnegative(s, p, a):
    return s.quote[a] + s.size[a] * s.mark >= 0
