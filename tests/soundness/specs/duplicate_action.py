"""Issue 22, reproduction 4: two actions registered under one name by a factory."""

import runpy
from pathlib import Path

import solvent as sv
from solvent import Num

calm = runpy.run_path(str(Path(__file__).with_name("_calm.py")))["calm"]
spec = calm("duplicate-action", total=Num("0"))


def make_add(hi):
    @spec.action(amount=sv.within("0", hi))
    def add(s, p, amount):
        s.total = s.total + amount

    return add


make_add("1")
make_add("10")


@spec.invariant
def small(s):
    return s.total <= 5
