"""A spec that writes a money amount as a float literal."""

import solvent as sv
from solvent import Num

spec = sv.Spec("float-literal", accounts=1)


@spec.params
class Params:
    maintenance_margin: Num = Num(0.05)
