"""Issue 23, defect 1: per-account initial values given as a list (account 0: 10, account 1: 1).

Every step the keeper takes 1 from every account, so account 1 goes negative at step 2:
bmc fails at depth 2 on every path, and stress must see it too. ``spec`` is exact,
``fixed`` the same in decimal fixed point (stress runs it on int64 lanes).

``gap`` starts from ``["10", "20"]``, keeps it, and requires the accounts to hold 30 in
all: safe from its own start, broken at step 0 from ``["10", "10"]`` (account 0's start
in every account), where a stress that ignored the list "confirmed" a violation.
"""

import solvent as sv
from solvent import Num
from solvent.models import fields


def build(name, start=("10", "1"), gap=False, **kw):
    spec = sv.Spec(name, accounts=2, **kw)
    fields.state(spec, price=Num("100"))
    fields.accounts(spec, x=list(start))
    fields.envelope(spec, move=sv.within("-0.1", "0.1"))

    @spec.tick
    def mark(s, m):
        s.price = s.price + m.move

    if gap:

        @spec.invariant
        def thirty(s):
            return sv.sum(s.x[a] for a in s.accounts) >= 30

    else:

        @spec.keeper(every_step=True)
        def drain(s, p, a):
            s.x[a] = s.x[a] - 1

        @spec.invariant
        def nonneg(s, p, a):
            return s.x[a] >= 0

    return spec


spec = build("listinit")
fixed = build("listinit-fixed", arithmetic="fixed", decimals=6)
gap = build("listinit-gap", start=("10", "20"), gap=True)
