"""Accounts that never interact: an isolated perp whose bad debt stays with each account.

The price moves by the tick; each account trades at the mark and its own keeper closes it
below maintenance. With maintenance 8% under 8% moves no account ever ends below zero, for
any number of accounts (``prove`` decomposes: one account covers all). ``--set mm=0.05``
breaks it (a gap below zero); SHARED=1 in the environment adds a fund every
liquidation pays into, which couples the accounts. LEMMAS=0 drops the lemmas: the proof
must then infer them (``solvent.check.infer``).
"""

import os

import solvent as sv
from solvent import Num, requires
from solvent.models import fields

SHARED = os.environ.get("SHARED") == "1"
spec = sv.Spec("isolated-accounts", accounts=int(os.environ.get("ACCOUNTS", "3")))
fields.params(spec, mm=Num("0.08"), im=Num("0.10"))
fields.state(spec, price=Num("2000"), fund=Num("100"))
fields.accounts(spec, quote=sv.within("0", "10000"), size=Num("0"))
fields.envelope(spec, move=sv.within("-0.08", "0.08"))


def equity(s, a):
    return s.quote[a] + s.size[a] * s.price


@spec.tick
def mark(s, m):
    s.price = s.price * (1 + m.move)


@spec.action(qty=sv.within("-50", "50"))
def trade(s, p, a, qty):
    s.quote[a] = s.quote[a] - qty * s.price
    s.size[a] = s.size[a] + qty
    requires(equity(s, a) >= sv.abs(s.size[a]) * s.price * p.im)


@spec.keeper(every_step=True)
def liquidate(s, p, a):
    requires(equity(s, a) < sv.abs(s.size[a]) * s.price * p.mm)
    if SHARED:
        s.fund = s.fund + sv.minimum(equity(s, a), 0)
    s.quote[a] = equity(s, a)
    s.size[a] = 0


@spec.invariant
def no_negative_equity(s, p, a):
    return equity(s, a) >= 0


if os.environ.get("LEMMAS", "1") == "1":

    @spec.lemma
    def price_positive(s):
        return s.price > 0

    @spec.lemma
    def healthy(s, p, a):
        return equity(s, a) >= sv.abs(s.size[a]) * s.price * p.mm
