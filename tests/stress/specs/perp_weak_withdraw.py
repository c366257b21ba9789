"""An isolated perp whose `withdraw` guard is too weak (stress test fixture for user actions).

The accounting of solvent.models.perp_isolated with 3 accounts and moves of at most 2%,
well inside the 5% maintenance margin: with the market and the keeper alone it stays
solvent. But `withdraw` only checks that the account keeps a nonnegative quote balance,
not its margin: a short holds its sale proceeds as quote, and withdrawing them leaves it
with negative equity, so random withdrawals break ``solvent``. ``trade`` is guarded by the
initial margin like the real model; ``flag`` (a boolean argument) changes nothing that
matters.
"""

import solvent as sv
from solvent import Num, requires
from solvent.models import blocks_perp as shared
from solvent.models import fields

perp = sv.Spec("perp-weak-withdraw", accounts=3)
fields.params(
    perp,
    initial_margin=Num("0.10"),
    maintenance_margin=Num("0.05"),
    liquidation_fee=Num("0.01"),
)
shared.perp_book(perp, Num("2000"), Num("100"))
fields.state(perp, flags=Num("0"))
shared.account_fields(perp, sv.within("0", "10000"), Num("0"))
shared.move_envelope(perp, "0.02")


def equity(s, a):
    return s.quote[a] + s.size[a] * s.price


def notional(s, a):
    return abs(s.size[a]) * s.price


def maintenance(s, p, a):
    return notional(s, a) * p.maintenance_margin


shared.mark_tick(perp)


@perp.action(qty=sv.within("-5", "5"))
def trade(s, p, a, qty):
    s.quote[a] = s.quote[a] - qty * s.price
    s.size[a] = s.size[a] + qty
    requires(equity(s, a) >= notional(s, a) * p.initial_margin)


@perp.action(amount=sv.within("0", "20000"))
def withdraw(s, p, a, amount):
    requires(amount <= s.quote[a])  # too weak: ignores the account's position
    s.quote[a] = s.quote[a] - amount


@perp.action(up=sv.any_bool())
def flag(s, p, up):
    s.flags = s.flags + sv.when(up, Num("1"), Num("0"))


shared.liquidation_keeper(perp, equity, notional, maintenance)


@perp.invariant
def solvent(s):
    return (s.bad_debt <= 0) & sv.all_of(equity(s, a) >= 0 for a in s.accounts)


shared.insurance_nonnegative(perp)
shared.equity_metric(perp, equity)
