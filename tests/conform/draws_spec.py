"""A small fixed-point spec for the conform tests: a ``within=2`` keeper, a bool argument,
a bool field and per-account numbers (the Draws and int64 lanes tests share it)."""

from __future__ import annotations

import solvent as sv


def fixed_spec() -> sv.Spec:
    """A small fixed-point spec with a ``within=2`` keeper, a bool argument and a bool field."""
    spec = sv.Spec("draws-fixed", accounts=2, arithmetic="fixed", decimals=4)

    @spec.params
    class Params:
        cap: sv.Num = sv.Num("5")

    @spec.state
    class State:
        level: sv.Num = sv.within("-3", "7.5")
        flag: sv.Bool = sv.any_bool()
        bal: sv.PerAccount[sv.Num] = sv.within("0", "100")

    @spec.envelope
    class Market:
        move: sv.Num = sv.within("-0.05", "0.05")

    @spec.tick
    def mark(s, m):
        s.level = s.level + m.move

    @spec.action(amount=sv.within("0", "10"), up=sv.any_bool())
    def put(s, p, a, amount, up):
        s.bal[a] = s.bal[a] + sv.when(up, amount, -amount)
        sv.requires(s.bal[a] >= 0)

    @spec.keeper(within=2)
    def sweep(s, p, a):
        sv.requires(s.bal[a] > p.cap)
        s.bal[a] = p.cap

    return spec
