"""tests/check/specs/funding_index.py's one-account step, with the fall bound written by hand.

The check of ``decompose_fall`` (bmc to depth ``DEPTH`` on N accounts by a bound on what
one account's step takes from the fund): the fund's value before the step (``ins_before``),
a step counter, the price and funding index boxes of the first ``DEPTH`` steps worked out
by hand (each step moves the price by at most 8%, the index by at most 0.1% of the price),
the two lemmas a user would write (an account is healthy after the keeper; a position's
size stays within the trade's [-10, 10]) and the invariant: within ``DEPTH`` steps no step
takes more than ``D`` from the fund. The fund's own invariant is not here: the bound is
what gives it on N accounts (``FUND - DEPTH x N x D >= 0``).
"""

import os
from fractions import Fraction

import solvent as sv
from solvent import Num, PerAccount
from solvent.spec.load import load_spec

_index = load_spec(os.path.join(os.path.dirname(__file__), "funding_index.py"))

D = Fraction(os.environ.get("D", "3333"))
DEPTH = int(os.environ.get("DEPTH", "5"))
m = sv.Spec("funding-bounded", accounts=1)


@m.params
class P:
    maint: Num = Num("0.05")
    init: Num = Num("0.2")


@m.state
class S:
    px: Num = Num("2000")
    idx: Num = Num("0")
    ins: Num = Num("50000")
    ins_before: Num = Num("50000")
    steps: Num = Num("0")
    col: PerAccount[Num] = sv.within("0", "10000")
    qty: PerAccount[Num] = Num("0")
    entry: PerAccount[Num] = Num("2000")
    idx0: PerAccount[Num] = Num("0")


@m.envelope
class Market:
    move: Num = sv.within("-0.08", "0.08")
    fr: Num = sv.within("-0.001", "0.001")


@m.tick
def before(s, g):
    s.ins_before = s.ins
    s.steps = s.steps + 1


# the market's step, the trade and the liquidation: funding_index.py's own (re-registered)
m.tick(_index.ticks[0].fn)
m.action(size=sv.within("-10", "10"))(_index.find_action("trade").fn)
m.keeper(every_step=True)(_index.keepers[0].fn)
value = _index.keepers[0].fn.__globals__["value"]


# the price after t steps lies in [2000 x 0.92^t, 2000 x 1.08^t]; the index moves by at
# most 0.001 x the price after the move, so it lies within +-sum of those
HI = [Fraction(2000) * Fraction(108, 100) ** t for t in range(DEPTH + 1)]
LO = [Fraction(2000) * Fraction(92, 100) ** t for t in range(DEPTH + 1)]
IDX = [sum(Fraction(1, 1000) * HI[i] for i in range(1, t + 1)) for t in range(DEPTH + 1)]


@m.lemma
def steps_whole(s):
    out = s.steps > DEPTH
    for t in range(DEPTH + 1):
        out = out | (s.steps == t)
    return out


@m.lemma
def price_box(s):
    out = s.steps > DEPTH
    for t in range(DEPTH + 1):
        box = (s.px <= HI[t]) & (s.px >= LO[t]) & (s.idx <= IDX[t]) & (s.idx >= -IDX[t])
        out = out | ((s.steps == t) & box)
    return out


@m.lemma
def healthy(s, p, a):
    return value(s, a) >= sv.abs(s.qty[a]) * s.px * p.maint


@m.lemma
def size_within_trade(s, p, a):
    return (s.qty[a] <= 10) & (s.qty[a] >= -10)


@m.invariant
def fund_falls_at_most_d_a_step(s):
    return (s.steps > DEPTH) | (s.ins - s.ins_before >= -D)
