"""Issue 22, reproduction 1: a state field named `action` (the solver's action choice)."""

import runpy
from pathlib import Path

import solvent as sv
from solvent import Num

calm = runpy.run_path(str(Path(__file__).with_name("_calm.py")))["calm"]
spec = calm("collide-action", action=Num("0"))


@spec.action(amount=sv.within("0", "10"))
def deposit(s, p, amount):
    s.action = s.action + amount


@spec.invariant
def small(s):
    return s.action <= 5
