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
from solvent import Num, PerAccount, requires

perp = sv.Spec("perp-weak-withdraw", accounts=3)


@perp.params
class Params:
    initial_margin: Num = Num("0.10")
    maintenance_margin: Num = Num("0.05")
    liquidation_fee: Num = Num("0.01")


@perp.state
class State:
    price: Num = Num("2000")
    insurance: Num = Num("100")
    bad_debt: Num = Num("0")
    liquidations: Num = Num("0")
    flags: Num = Num("0")
    quote: PerAccount[Num] = sv.within("0", "10000")
    size: PerAccount[Num] = Num("0")


@perp.envelope
class Market:
    move: Num = sv.within("-0.02", "0.02")


def equity(s, a):
    return s.quote[a] + s.size[a] * s.price


def notional(s, a):
    return abs(s.size[a]) * s.price


@perp.tick
def mark(s, m):
    s.price = s.price * (1 + m.move)


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


@perp.keeper(every_step=True)
def liquidate(s, p, a):
    requires(equity(s, a) < notional(s, a) * p.maintenance_margin)
    e = equity(s, a)
    fee = sv.minimum(sv.maximum(e, 0), notional(s, a) * p.liquidation_fee)
    deficit = sv.maximum(-e, 0)
    covered = sv.minimum(deficit, s.insurance)
    s.insurance = s.insurance + fee - covered
    s.bad_debt = s.bad_debt + deficit - covered
    s.quote[a] = e - fee + covered
    s.size[a] = 0
    s.liquidations = s.liquidations + 1


@perp.invariant
def solvent(s):
    return (s.bad_debt <= 0) & sv.all_of(equity(s, a) >= 0 for a in s.accounts)


@perp.lemma
def insurance_nonnegative(s):
    return s.insurance >= 0


@perp.metric
def account_equity(s, p, a):
    return equity(s, a)
