"""Two ways in: `borrow` breaks `debt_capped` in one step, `withdraw` breaks `vault_covers`
in three (10 - 5 - 5 - 5 < 0). For `bmc --action / --no-action / --keep-going` tests."""

import solvent as sv
from solvent import Num

spec = sv.Spec("two-doors", accounts=1)


@spec.params
class Params:
    debt_cap: Num = Num("4")


@spec.state
class State:
    vault: Num = Num("10")
    debt: Num = Num("0")


@spec.envelope
class Market:
    price: Num = sv.within("1", "2")


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
