"""A fund and a bad-debt ledger, invariant ``bad_debt == 0``: the accumulator that must never move.

The property is monotone in neither direction of ``bad_debt``, so the shared-accumulator
rule asks the one-account proof to show that no account's step changes it.
``VARIANT`` in the environment (``ACCOUNTS`` the number of accounts, default 3):

- ``perp`` (default): a Drift-style isolated perp; the keeper closes an account below
  maintenance, takes a liquidation fee for the fund, the fund pays a deficit and what it
  cannot pay goes to ``bad_debt``. Maintenance 6.25% under 5% moves, with a health lemma:
  safe for every number of accounts. ``--set mmr=0.04``: a gap leaves a deficit; the fund
  (10) pays the first ones, and bad debt follows.
  ``LEMMAS=0`` drops the two lemmas: the rule's reader check then refuses (the keeper's
  use of the fund may matter) until lemmas inferred on one account make it irrelevant
  (check/decompose_reader.py); with a short budget the search on one account takes it.
- ``draw``: each account's default costs the fund 60 once; the fund holds 100. Safe on one
  account, broken on two: never proved for every number of accounts.
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

VARIANT = os.environ.get("VARIANT", "perp")
spec = sv.Spec(f"bad-debt-{VARIANT}", accounts=int(os.environ.get("ACCOUNTS", "3")))


@spec.params
class Params:
    mmr: Num = Num("0.0625")
    imr: Num = Num("0.10")
    liq_fee: Num = Num("0.01")


@spec.state
class State:
    oracle: Num = Num("150")
    fund: Num = Num("10") if VARIANT == "perp" else Num("100")
    bad_debt: Num = Num("0")
    margin: PerAccount[Num] = sv.within("0", "500")
    position: PerAccount[Num] = Num("0")
    avg_price: PerAccount[Num] = Num("150")
    hit: PerAccount[Num] = Num("0")


@spec.envelope
class Gap:
    r: Num = sv.within("-0.05", "0.05")


def pay(s, loss):
    """The fund pays ``loss`` (>= 0 or not); what it cannot pay is bad debt."""
    left = s.fund - loss
    s.bad_debt = s.bad_debt + sv.maximum(-left, 0)
    s.fund = sv.maximum(left, 0)


if VARIANT == "perp":

    @spec.tick
    def move(s, g):
        s.oracle = s.oracle * (1 + g.r)

    def equity(s, a):
        return s.margin[a] + s.position[a] * (s.oracle - s.avg_price[a])

    @spec.action(dq=sv.within("-10", "10"))
    def open_position(s, p, a, dq):
        s.margin[a] = equity(s, a)
        s.avg_price[a] = s.oracle
        s.position[a] = s.position[a] + dq
        requires(equity(s, a) >= sv.abs(s.position[a]) * s.oracle * p.imr)

    @spec.keeper(every_step=True)
    def liquidate(s, p, a):
        e = equity(s, a)
        notional = sv.abs(s.position[a]) * s.oracle
        requires(e < notional * p.mmr)
        fee = sv.minimum(sv.maximum(e, 0), notional * p.liq_fee)
        pay(s, sv.maximum(fee - e, 0) - fee)  # the fee in, the deficit out
        s.margin[a] = sv.maximum(e - fee, 0)
        s.position[a] = 0
        s.avg_price[a] = s.oracle

    if os.environ.get("LEMMAS", "1") == "1":

        @spec.lemma
        def healthy(s, p, a):
            return equity(s, a) >= sv.abs(s.position[a]) * s.oracle * p.mmr

        @spec.lemma
        def fund_and_price(s):
            return (s.fund >= 0) & (s.oracle > 0)

else:

    @spec.action
    def default(s, p, a):
        requires(s.hit[a] == 0)
        s.hit[a] = Num("1")
        pay(s, Num("60"))

    @spec.lemma
    def fund_ok(s):
        return s.fund >= 0


@spec.invariant
def no_bad_debt(s):
    return s.bad_debt == 0
