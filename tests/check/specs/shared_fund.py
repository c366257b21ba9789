"""Accounts that draw on one fund: each borrows up to 10 a step from a fund of 25.

The fund goes below zero after three borrows and not before, whichever accounts borrow
(``bmc`` finds a 3-step path with one active account). ``ACCOUNTS`` in the environment sets
the number of accounts (default 6); each account starts with a deposit in [0, 100] that
borrowing does not touch.

With ``ONCE=1`` an account borrows (up to 10) only once and otherwise nibbles up to 5 a
step: one account alone breaks the fund at step 5 (10 + 4 x 5 > 25), three accounts at
step 3 (the shortest), two never sooner than step 4.
"""

import os

import solvent as sv
from solvent import Num, requires
from solvent.models import fields

ONCE = os.environ.get("ONCE") == "1"
spec = sv.Spec("shared-fund", accounts=int(os.environ.get("ACCOUNTS", "6")))
fields.state(spec, fund=Num("25"))
fields.accounts(spec, deposit=sv.within("0", "100"), debt=Num("0"))
fields.envelope(spec, rate=sv.within("0", "0.01"))


@spec.tick
def accrue(s, m):
    s.fund = s.fund * (1 + m.rate)


@spec.action(amount=sv.within("0", "10"))
def borrow(s, p, a, amount):
    if ONCE:
        requires(s.debt[a] == 0)
    s.debt[a] = s.debt[a] + amount
    s.fund = s.fund - amount


if ONCE:

    @spec.action(amount=sv.within("0", "5"))
    def nibble(s, p, a, amount):
        s.debt[a] = s.debt[a] + amount
        s.fund = s.fund - amount


@spec.invariant
def fund_ok(s):
    return s.fund >= 0
