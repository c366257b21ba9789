"""A user's spec in 18-decimal integer math, the Perpetual Protocol v2 style.

The style (a Solidity venue's risk engineer): every amount is a count of 10^-18 units
(``arithmetic="fixed", decimals=18``), per account ``collateral``, a signed
``takerPositionSize`` and a ``takerOpenNotional`` (the quote paid, negative for a long),
so the account value is ``collateral + size x mark + openNotional`` with the product
rounded down (against the trader); products say how they round (``sv.mul_down``/
``sv.mul_up``). The oracle moves at most 2% a step, never below its floor of 100 (a
``minAnswer``); an order leaves at least 0.001 ETH open, or nothing. The margin
requirement (initial and maintenance alike) is rounded up. The insurance fund starts
empty and pays what a liquidated account cannot: ``insuranceFund >= 0``.

Safe: the ratio is 2.1%, so an account the keeper left open has 0.1% of its notional
more than the next move can take, far more than the roundings lose (at most one unit
per ETH of the position and one unit, as the oracle's price is rounded down).
``BUG=1``: the ratio is 2%, equal to the largest move, which is safe in exact arithmetic
but not here: a long exactly at its requirement that gaps 2% loses the oracle's rounding
too, and owes the fund a few units (wei): broken at depth 2 (the order, the gap).
``ACCOUNTS`` sets the number of accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
wei = sv.Spec(
    "wei-perp", accounts=int(os.environ.get("ACCOUNTS", "3")), arithmetic="fixed", decimals=18
)
RATIO = "0.02" if BUG else "0.021"


@wei.params
class Config:
    imRatio: Num = Num(RATIO)  # noqa: N815 (the contract's names)
    mmRatio: Num = Num(RATIO)  # noqa: N815
    minOpenSize: Num = Num("0.001")  # noqa: N815
    oracleFloor: Num = Num("100")  # noqa: N815


@wei.state
class Vault:
    indexPrice: Num = Num("2000")  # noqa: N815
    insuranceFund: Num = Num("0")  # noqa: N815
    collateral: PerAccount[Num] = sv.within("0", "100000")
    takerPositionSize: PerAccount[Num] = Num("0")  # noqa: N815
    takerOpenNotional: PerAccount[Num] = Num("0")  # noqa: N815


@wei.envelope
class Oracle:
    priceChange: Num = sv.within("-0.02", "0.02")  # noqa: N815


@wei.tick
def oracle_update(s, p, o):
    s.indexPrice = sv.maximum(sv.mul_down(s.indexPrice, 1 + o.priceChange), p.oracleFloor)


def account_value(s, a):
    size = s.takerPositionSize[a]
    return s.collateral[a] + sv.mul_down(size, s.indexPrice) + s.takerOpenNotional[a]


def margin_requirement(s, p, a, ratio):
    notional = sv.mul_up(abs(s.takerPositionSize[a]), s.indexPrice)
    return sv.mul_up(notional, ratio)


@wei.action(baseAmount=sv.within("-50", "50"))
def open_position(s, p, a, baseAmount):  # noqa: N803
    s.takerPositionSize[a] = s.takerPositionSize[a] + baseAmount
    s.takerOpenNotional[a] = s.takerOpenNotional[a] - sv.mul_up(baseAmount, s.indexPrice)
    size = abs(s.takerPositionSize[a])
    requires((size == 0) | (size >= p.minOpenSize))
    requires(account_value(s, a) >= margin_requirement(s, p, a, p.imRatio))


@wei.keeper(every_step=True)
def liquidate(s, p, a):
    value = account_value(s, a)
    requires(value < margin_requirement(s, p, a, p.mmRatio))
    s.insuranceFund = s.insuranceFund + sv.minimum(value, 0)
    s.collateral[a] = sv.maximum(value, 0)
    s.takerPositionSize[a] = 0
    s.takerOpenNotional[a] = 0


@wei.invariant
def insurance_fund_never_negative(s):
    return s.insuranceFund >= 0
