"""A small margin spec with an oracle delay in its envelope (not the perp model).

Used by the monitor tests for the generic paths: invariants evaluated by the spec
itself, liquidations by running the spec's keeper, distance to insolvency by Z3.
"""

import solvent as sv
from solvent import Num, requires
from solvent.models import fields

vault = sv.Spec("oracle-vault", accounts=2)
fields.params(vault, maintenance_margin=Num("0.10"))
fields.state(vault, price=Num("100"), insurance=Num("10"), bad_debt=Num("0"))
fields.accounts(vault, quote=Num("0"), size=Num("0"))
fields.envelope(vault, move=sv.within("-0.10", "0.10"), oracle_delay=sv.within("0", "2"))


def equity(s, a):
    return s.quote[a] + s.size[a] * s.price


@vault.tick
def mark(s, m):
    s.price = s.price * (1 + m.move)


@vault.keeper(every_step=True)
def liquidate(s, p, a):
    requires(equity(s, a) < abs(s.size[a]) * s.price * p.maintenance_margin)
    e = equity(s, a)
    deficit = sv.maximum(-e, 0)
    covered = sv.minimum(deficit, s.insurance)
    s.insurance = s.insurance - covered
    s.bad_debt = s.bad_debt + deficit - covered
    s.quote[a] = sv.maximum(e, 0)
    s.size[a] = 0


@vault.invariant
def no_bad_debt(s):
    return s.bad_debt <= 0


@vault.invariant
def equity_nonnegative(s, p, a):
    return equity(s, a) >= 0
