"""Two ways in: `borrow` breaks `debt_capped` in one step, `withdraw` breaks `vault_covers`
in three (10 - 5 - 5 - 5 < 0). For `bmc --action / --no-action / --keep-going` tests."""

import solvent as sv
from solvent import Num
from solvent.models import fields

spec = sv.Spec("two-doors", accounts=1)
fields.params(spec, debt_cap=Num("4"))
fields.state(spec, vault=Num("10"), debt=Num("0"))
fields.envelope(spec, price=sv.within("1", "2"))


@spec.action(amount=sv.within("0", "5"))
def withdraw(s, p, a, amount):
    """Take up to 5 out of the vault, unchecked."""
    s.vault = s.vault - amount


@spec.action(amount=sv.within("0", "5"))
def borrow(s, p, a, amount):
    """Borrow up to 5, unchecked."""
    s.debt = s.debt + amount


@spec.invariant
def debt_capped(s, p):
    """Debt stays within the cap."""
    return s.debt <= p.debt_cap


@spec.invariant
def vault_covers(s, p):
    """The vault never goes negative."""
    return s.vault >= 0
