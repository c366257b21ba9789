"""A short of size 1 at price 100 sitting exactly at its 5% maintenance margin, moves of at
most 1% a step, a liquidation keeper late at most `liquidate_within` steps (2 here).

Closed form: the keeper closes the short after at most k + 1 moves up, when its equity is
100 * (1.05 - 1.01 ** (k + 1)); this is >= 0 exactly when k + 1 <= 4, so the largest
tolerable delay is 3, and with k = 4 the account is insolvent at step 5.

The lemma `survives_late` (an account late j steps survives k + 1 - j more moves up) is
stated where it holds (1.01 ** (k + 1) <= 1.05); prove checks it, and beyond it bmc must
find the insolvent path on its own.
"""

from fractions import Fraction

import solvent as sv
from solvent import Num, requires
from solvent.models import fields

MOVE = Fraction(1, 100)


@sv.builder
def build(liquidate_within: int = 2) -> sv.Spec:
    spec = sv.Spec("short-late", accounts=1)
    k = liquidate_within

    fields.params(spec, mm=Num("0.05"))
    fields.state(spec, price=Num("100"))
    fields.accounts(spec, quote=Num("105"), size=Num("-1"))
    fields.envelope(spec, move=sv.within(-MOVE, MOVE))

    @spec.tick
    def mark(s, m):
        s.price = s.price * (1 + m.move)

    @spec.keeper(within=k)
    def liquidate(s, p, a):
        e = s.quote[a] + s.size[a] * s.price
        requires(e < -s.size[a] * s.price * p.mm)
        s.quote[a] = e
        s.size[a] = 0

    @spec.invariant
    def solvent(s, p, a):
        return s.quote[a] + s.size[a] * s.price >= 0

    @spec.lemma
    def short_only(s, p, a):
        return (s.size[a] <= 0) & (s.price > 0)

    if (1 + MOVE) ** (k + 1) <= Fraction(105, 100):

        @spec.lemma
        def survives_late(s, p, a):
            return sv.all_of(
                (s.liquidate_late[a] != j)
                | (s.quote[a] + s.size[a] * s.price * (1 + MOVE) ** (k + 1 - j) >= 0)
                for j in range(k + 1)
            )

    return spec


spec = build()
