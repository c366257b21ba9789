"""A user's spec whose keeper acts late: a liquidation queue with a grace period.

The style (venues that flag an account first and close it later, after an auction or a
grace period): per account ``col``, ``qty``, ``entry`` and a counter ``late``; the keeper
flags an account below maintenance (``late`` becomes 1), counts the steps it stays
flagged, and closes it at the mark only once ``late`` reaches ``DELAY`` (2): two more
moves after the one that crossed the maintenance. A flagged account may not trade. The
fund ``fund`` starts at 0 and pays a closed account's deficit; the invariant:
``fund >= 0``. Moves are at most 3% a step.

Safe: maintenance 10% covers the crossing move and the two moves of the delay (3% +
2 x 3.09%). ``BUG=1``: maintenance 5% (what a keeper that acts at once needs):
a trade at the initial margin, then moves against it: a deficit at step 5 (shortest).
``ACCOUNTS`` sets the number of accounts (default 3).
"""

import os

import solvent as sv
from solvent import Num, PerAccount, requires

BUG = os.environ.get("BUG") == "1"
DELAY = 2
m = sv.Spec("late-keeper", accounts=int(os.environ.get("ACCOUNTS", "3")))


@m.params
class P:
    mm: Num = Num("0.05" if BUG else "0.10")
    im: Num = Num("0.10" if BUG else "0.20")


@m.state
class S:
    px: Num = Num("100")
    fund: Num = Num("0")
    col: PerAccount[Num] = sv.within("0", "1000")
    qty: PerAccount[Num] = Num("0")
    entry: PerAccount[Num] = Num("100")
    late: PerAccount[Num] = Num("0")


@m.envelope
class Move:
    r: Num = sv.within("-0.03", "0.03")


@m.tick
def mark(s, g):
    s.px = s.px * (1 + g.r)


def value(s, a):
    return s.col[a] + s.qty[a] * (s.px - s.entry[a])


@m.action(dq=sv.within("-50", "50"))
def trade(s, p, a, dq):
    requires(s.late[a] == 0)
    s.col[a] = value(s, a)
    s.entry[a] = s.px
    s.qty[a] = s.qty[a] + dq
    requires(value(s, a) >= sv.abs(s.qty[a]) * s.px * p.im)


@m.keeper(every_step=True)
def queue(s, p, a):
    v = value(s, a)
    requires((v < sv.abs(s.qty[a]) * s.px * p.mm) | (s.late[a] > 0))
    due = s.late[a] >= DELAY
    s.fund = s.fund + sv.when(due, sv.minimum(v, 0), 0)
    s.col[a] = sv.when(due, sv.maximum(v, 0), s.col[a])
    s.qty[a] = sv.when(due, 0, s.qty[a])
    s.entry[a] = sv.when(due, s.px, s.entry[a])
    s.late[a] = sv.when(due, 0, s.late[a] + 1)


@m.invariant
def fund_ok(s):
    return s.fund >= 0
