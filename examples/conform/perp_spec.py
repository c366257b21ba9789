"""The isolated perpetual of solvent.models.perp_isolated in 6-decimal fixed point.

The contracts of this folder (perp.vy, perp.sol) and the Python engine (engine.py)
implement it with integers in units of 10^-6; `solvent conform` checks them against it.
Every product is rounded explicitly in the protocol's favour: marked equity down,
notionals, requirements and fees up, a trade's cost up. Maintenance 8% covers the 8%
per-step gap the envelope allows, so the spec is solvent:

    solvent prove examples/conform/perp_spec.py      # exit 0
    solvent conform examples/conform/perp_spec.py --impl examples/conform/vyper_adapter.py
"""

import solvent as sv
from solvent import Num, PerAccount, maximum, minimum, mul_down, mul_up, requires

perp = sv.Spec("perp-fixed", accounts=3, arithmetic="fixed", decimals=6)


@perp.params
class Params:
    initial_margin: Num = Num("0.10")
    maintenance_margin: Num = Num("0.08")
    liquidation_fee: Num = Num("0.01")


@perp.state
class State:
    price: Num = Num("2000")
    insurance: Num = Num("100")
    bad_debt: Num = Num("0")
    liquidations: Num = Num("0")
    quote: PerAccount[Num] = sv.within("0", "10000")
    size: PerAccount[Num] = Num("0")


@perp.envelope
class Market:
    move: Num = sv.within("-0.08", "0.08")


def equity(s, a):
    return s.quote[a] + mul_down(s.size[a], s.price)


def notional(s, a):
    return mul_up(abs(s.size[a]), s.price)


@perp.tick
def mark(s, m):
    """The oracle moves the mark price by the envelope's per-step return."""
    s.price = mul_down(s.price, 1 + m.move)


@perp.action(qty=sv.within("-50", "50"))
def trade(s, p, a, qty):
    """Account `a` buys (qty > 0) or sells at the mark price; must keep its initial margin."""
    s.quote[a] = s.quote[a] - mul_up(qty, s.price)
    s.size[a] = s.size[a] + qty
    requires(equity(s, a) >= mul_up(notional(s, a), p.initial_margin))


@perp.action(amount=sv.within("0", "10000"))
def withdraw(s, p, a, amount):
    """Account `a` withdraws collateral it does not need for its initial margin."""
    s.quote[a] = s.quote[a] - amount
    requires(equity(s, a) >= mul_up(notional(s, a), p.initial_margin))


@perp.keeper(every_step=True)
def liquidate(s, p, a):
    """Close an account below maintenance at the mark; fee to the fund, fund covers deficit."""
    requires(equity(s, a) < mul_up(notional(s, a), p.maintenance_margin))
    e = equity(s, a)
    fee = minimum(maximum(e, 0), mul_up(notional(s, a), p.liquidation_fee))
    deficit = maximum(-e, 0)
    covered = minimum(deficit, s.insurance)
    s.insurance = s.insurance + fee - covered
    s.bad_debt = s.bad_debt + deficit - covered
    s.quote[a] = e - fee + covered
    s.size[a] = 0
    s.liquidations = s.liquidations + 1


@perp.invariant
def solvent(s):
    """No bad debt written off, and no account below zero equity."""
    return (s.bad_debt <= 0) & sv.all_of(equity(s, a) >= 0 for a in s.accounts)


@perp.lemma
def price_positive(s):
    return s.price > 0


@perp.lemma
def insurance_nonnegative(s):
    return s.insurance >= 0


@perp.lemma
def healthy(s, p, a):
    """After the keeper runs, every account meets its maintenance requirement."""
    return equity(s, a) >= mul_up(notional(s, a), p.maintenance_margin)


@perp.witness
def liquidation_happens(s):
    return s.liquidations > 0
