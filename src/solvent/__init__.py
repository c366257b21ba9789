"""solvent: prove a derivatives protocol stays solvent under market stress, or get the
exact price path that breaks it.

Public API (everything else is private)::

    import solvent as sv
    perp = sv.Spec("perp-isolated", accounts=3)
"""

from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.errors import SolventError, SpecError
from solvent.lang.domains import PerAccount, any_bool, within
from solvent.lang.fixed import div_down, div_trunc, div_up, mul_down, mul_up
from solvent.lang.functions import abs_ as abs  # noqa: A004 - sv.abs mirrors the builtin
from solvent.lang.functions import all_of, any_of, implies, maximum, minimum, requires, when
from solvent.lang.functions import sum_ as sum  # noqa: A004 - sv.sum mirrors the builtin
from solvent.lang.values import Bool, Num
from solvent.spec.recipe import builder
from solvent.spec.spec import Spec

__version__ = "0.1.0"

__all__ = [
    "ActionChoice",
    "Bool",
    "Num",
    "PerAccount",
    "SolventError",
    "Spec",
    "SpecError",
    "Trace",
    "TraceStep",
    "__version__",
    "abs",
    "all_of",
    "any_of",
    "any_bool",
    "builder",
    "div_down",
    "div_trunc",
    "div_up",
    "implies",
    "maximum",
    "minimum",
    "mul_down",
    "mul_up",
    "requires",
    "sum",
    "when",
    "within",
]
