"""Issue 22, reproduction 3: an adversarial keeper `drain` and a Bool state field `drain`."""

import runpy
from pathlib import Path

from solvent import Num

calm = runpy.run_path(str(Path(__file__).with_name("_calm.py")))["calm"]
spec = calm("collide-keeper", drain=True, paid=Num("0"))


@spec.keeper(adversarial=True)
def drain(s, p):
    s.drain = False
    s.paid = s.paid + 1


@spec.invariant
def nothing_paid(s):
    return s.paid <= 0
