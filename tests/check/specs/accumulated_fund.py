"""A fund every account pays into or draws from: the shared-accumulator rule and its refusals.

``VARIANT`` in the environment (``ACCOUNTS`` the number of accounts, default 3):

- ``pay`` (default): each account grows a position by up to 2 per step, capped at ``cap``;
  a fee of 10% of each growth goes into the fund; the keeper trims a position above 4 back
  to 4 and the fund pays the excess. ``cap = 4`` (default): the keeper never pays, the fund
  only rises: safe for every number of accounts. ``--set cap=5``: each trim costs the fund
  up to 1, and repeated trims drain it (more accounts drain it sooner).
- ``draw``: each account may claim 3 from the fund once; the fund starts at 5. Safe on one
  account, broken on two: the rule must not prove it for every number of accounts.
- ``reads``: the same claim, allowed only while the fund holds 3: safe for every number of
  accounts, but the claim reads the fund in a way that matters, so the rule refuses it.

``LEMMA=0`` drops ``pay``'s lemma ``capped``: the proof must then infer what it says from
the keeper's and the action's guards (``solvent.check.infer``).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

VARIANT = os.environ.get("VARIANT", "pay")
spec = sv.Spec(f"accumulated-fund-{VARIANT}", accounts=int(os.environ.get("ACCOUNTS", "3")))


@spec.params
class Params:
    cap: Num = Num("4")


@spec.state
class State:
    fund: Num = Num("5") if VARIANT != "pay" else Num("1")
    pos: PerAccount[Num] = Num("0")
    claimed: PerAccount[Num] = Num("0")


@spec.envelope
class Market:
    move: Num = sv.within("0", "0")


if VARIANT == "pay":

    @spec.action(q=sv.within("0", "2"))
    def grow(s, p, a, q):
        s.pos[a] = s.pos[a] + q
        s.fund = s.fund + q / 10
        requires(s.pos[a] <= p.cap)

    @spec.keeper(every_step=True)
    def trim(s, p, a):
        requires(s.pos[a] > 4)
        s.fund = s.fund - (s.pos[a] - 4)
        s.pos[a] = Num("4")

    if os.environ.get("LEMMA", "1") == "1":

        @spec.lemma
        def capped(s, p, a):
            return (s.pos[a] <= p.cap) & (s.pos[a] >= 0)

else:

    @spec.action
    def claim(s, p, a):
        requires(s.claimed[a] == 0)
        if VARIANT == "reads":
            requires(s.fund >= 3)
        s.claimed[a] = Num("1")
        s.fund = s.fund - 3


@spec.invariant
def fund_ok(s):
    return s.fund >= 0
