"""A keeper that writes another account: does not fit the compiled kernel (lanes fallback)."""

import solvent as sv
from solvent import Num
from solvent.models import blocks_perp as shared
from solvent.models import fields

spec = sv.Spec("pass-the-loss", accounts=3)


fields.state(spec, price=Num("100"), bad_debt=Num("0"), insurance=Num("10"))
fields.state(spec, liquidations=Num("0"))
fields.accounts(spec, bal=Num("5"))


shared.move_envelope(spec, "0.5")
shared.mark_tick(spec)


@spec.keeper(every_step=True)
def shift(s, p, a):
    sv.requires(s.price < 99)
    s.bal[(a + 1) % 3] = s.bal[(a + 1) % 3] - 1
    s.liquidations = s.liquidations + 1


@spec.invariant
def nonnegative(s):
    return sv.all_of(s.bal[a] >= 0 for a in s.accounts) & (
        sv.sum(s.bal[a] for a in s.accounts) >= 0
    )
