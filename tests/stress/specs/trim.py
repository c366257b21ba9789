"""Per-account keepers that act again and again (halving a position each time it grows past
twice the account's cash) and pay from a shared fund: accounts meet only through the fund,
in account order (cone replays with windows wider than one step, issue 16)."""

import solvent as sv
from solvent import Num
from solvent.models import blocks_perp as shared
from solvent.models import fields

spec = sv.Spec("trim", accounts=2)
shared.perp_book(spec, Num("100"), Num("25"))
fields.accounts(spec, cash=sv.within("50", "200"), size=sv.within("0.5", "3"))
shared.move_envelope(spec, "0.5")
shared.mark_tick(spec)


@spec.keeper(every_step=True)
def trim(s, p, a):
    sv.requires(s.size[a] * s.price > 2 * s.cash[a])
    s.insurance = s.insurance - s.size[a] * s.price / 25
    s.bad_debt = sv.maximum(s.bad_debt, -s.insurance)
    s.size[a] = s.size[a] / 2
    s.liquidations = s.liquidations + 1


@spec.invariant
def funded(s):
    return s.insurance >= 0


@spec.invariant
def positions(s):
    return sv.all_of(s.size[a] >= 0 for a in s.accounts)
