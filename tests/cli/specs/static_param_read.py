"""A spec that reads a parameter as a plain value while it is built (``Params.max_move``
bounds the envelope): ``--set max_move`` is refused (SV804), ``--set cap`` (read only as
``p.cap`` in the rules) is not. The rules are ``user_builder.py``'s (the same spec, built by
an ``@sv.builder``); ``Params`` stays a class body, since reading its attribute is the
point."""

import runpy
from pathlib import Path

import solvent as sv
from solvent import Num
from solvent.models import fields

rules = runpy.run_path(str(Path(__file__).with_name("user_builder.py")))

perp = sv.Spec("static-read", accounts=1)


@perp.params
class Params:
    max_move: Num = Num("0.05")
    cap: Num = Num("100")


fields.state(perp, x=Num("0"))
fields.envelope(perp, move=sv.within(-Params.max_move, Params.max_move))
perp.tick(rules["tick"])
perp.invariant(rules["bounded"])
