"""A user's spec of a covered-call vault writing on a strike grid, with a premium reserve.

The style (a Ribbon/Thetanuts-like vault, written by its risk engineer): depositors'
ETH (``deposits_eth`` per account) is ``locked_eth`` in the vault; the vault writes calls
at three strikes of a grid (2,100, 2,300, 2,500 USDC; open interest ``open_calls_*``),
each sale paying a premium of 2%, 1.5% or 1% of the spot into ``premium_reserve``
(USDC). Calls stay open (no expiry in this model, so the vault must be solvent at every
spot). The invariant: the vault can pay every call's intrinsic value, ``locked_eth x spot
+ premium_reserve >= sum(open calls x max(spot - strike, 0))``. The spot moves at most 10%
a step. No lemma (``LEMMAS=1`` adds the three a user writes after prove's CTI: the spot
stays positive, every amount stays non-negative, the calls stay covered).

Safe: a sale or a withdrawal must leave every open call covered by one locked ETH (the
sum over the grid), so the intrinsic value owed is at most ``locked_eth x spot``.
``BUG=1``: the withdrawal's cover check counts only the first strike's calls, so a
depositor can take out the ETH under calls of 2,300: a deposit of 100 ETH, a sale of 100
calls at 2,300 once the spot is 2,200 (premium 3,300), a withdrawal of the 100 ETH after
another 10% rise (spot 2,420, owed 12,000): broken at depth 3, the shortest (three
actions are needed, one a step).
``ACCOUNTS`` sets the number of accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
LEMMAS = os.environ.get("LEMMAS") == "1"
vault = sv.Spec("call-vault", accounts=int(os.environ.get("ACCOUNTS", "3")))

STRIKES = ("2100", "2300", "2500")
PREMIUMS = ("0.02", "0.015", "0.01")


@vault.params
class Grid:
    max_sale: Num = Num("100")


@vault.state
class Vault:
    spot: Num = Num("2000")
    locked_eth: Num = Num("0")
    premium_reserve: Num = Num("0")
    open_calls_2100: Num = Num("0")
    open_calls_2300: Num = Num("0")
    open_calls_2500: Num = Num("0")
    deposits_eth: PerAccount[Num] = Num("0")


@vault.envelope
class Spot:
    spot_return: Num = sv.within("-0.10", "0.10")


@vault.tick
def spot_moves(s, m):
    s.spot = s.spot * (1 + m.spot_return)


def open_calls(s):
    return (s.open_calls_2100, s.open_calls_2300, s.open_calls_2500)


def intrinsic_owed(s):
    return sum(
        oi * sv.maximum(s.spot - Num(k), 0) for oi, k in zip(open_calls(s), STRIKES, strict=True)
    )


@vault.action(amount=sv.within("0", "100"))
def deposit(s, p, a, amount):
    requires(amount > 0)
    s.deposits_eth[a] = s.deposits_eth[a] + amount
    s.locked_eth = s.locked_eth + amount


@vault.action(amount=sv.within("0", "100"))
def withdraw(s, p, a, amount):
    requires((amount > 0) & (amount <= s.deposits_eth[a]))
    covered = s.open_calls_2100 if BUG else sum(open_calls(s))
    requires(s.locked_eth - amount >= covered)
    s.deposits_eth[a] = s.deposits_eth[a] - amount
    s.locked_eth = s.locked_eth - amount


def _sell(field, premium):
    def sell(s, p, qty):
        requires((qty > 0) & (qty <= p.max_sale))
        requires(sum(open_calls(s)) + qty <= s.locked_eth)
        setattr(s, field, getattr(s, field) + qty)
        s.premium_reserve = s.premium_reserve + qty * s.spot * Num(premium)

    sell.__name__ = "sell_" + field.removeprefix("open_")
    return sell


for _field, _premium in zip(
    ("open_calls_2100", "open_calls_2300", "open_calls_2500"), PREMIUMS, strict=True
):
    vault.action(qty=sv.within("0", "100"))(_sell(_field, _premium))


@vault.invariant
def calls_covered(s):
    return s.locked_eth * s.spot + s.premium_reserve >= intrinsic_owed(s)


if LEMMAS:

    @vault.lemma
    def spot_positive(s):
        return s.spot > 0

    @vault.lemma
    def amounts_non_negative(s):
        return sv.all_of(x >= 0 for x in (s.premium_reserve, s.locked_eth, *open_calls(s)))

    @vault.lemma
    def calls_stay_covered(s):
        return sum(open_calls(s)) <= s.locked_eth
