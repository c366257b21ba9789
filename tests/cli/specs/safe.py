"""A tiny spec that `prove` proves at k=1: balances only grow from zero.

The witness needs three deposits of at most 100, so `--witness-depth 2` makes the proof
VACUOUS (exit 2)."""

import solvent as sv
from solvent import Num, requires
from solvent.models import fields

spec = sv.Spec("safe-balances", accounts=2)
fields.state(spec, deposits=Num("0"))
fields.accounts(spec, balance=Num("0"))
fields.envelope(spec, rate=sv.within("0", "1/10"))


@spec.tick
def accrue(s, m):
    """Nothing moves with the market here."""


@spec.action(amount=sv.within("0", "100"))
def deposit(s, p, a, amount):
    """Account `a` deposits a positive amount."""
    requires(amount > 0)
    s.balance[a] = s.balance[a] + amount
    s.deposits = s.deposits + amount


@spec.invariant
def nonnegative(s, p, a):
    """No balance goes below zero."""
    return s.balance[a] >= 0


@spec.witness
def deposits_pass_250(s):
    """Deposits pass 250 (else the proof is vacuous)."""
    return s.deposits > 250
