"""solvent: prove a derivatives protocol stays solvent under market stress, or get the
exact price path that breaks it.

Public API: the spec language (``sv.Spec``, ``sv.within``, ``sv.requires``...) and the
verbs as functions that return results (see :mod:`solvent.api`; everything else is
private)::

    import solvent as sv
    perp = sv.load("examples/bugs_detected/perp_gap_risk.py")
    result = sv.bmc(perp, depth=3)       # result.verdict, .exit_code, .to_dict(), .report()
    sv.prove(perp, params={"maintenance_margin": "0.2"})

``solvent.check``, ``solvent.stress`` and ``solvent.monitor`` are also (private)
subpackages; calling them runs the verb: ``sv.check(spec)`` is ``solvent.api.check(spec)``.
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

import types as _types  # noqa: E402 - the API needs __version__ (reports print it)

from solvent import api  # noqa: E402
from solvent.api import (  # noqa: E402, F401 - re-exported: api.__all__
    BoundaryResult,
    RegionResult,
    Result,
    ShrinkReport,
    StressReport,
    VerdictResult,
    bmc,
    frontier,
    lint,
    load,
    model,
    monitor,
    prove,
    read_trace,
    replay,
    shrink,
    synth,
)


def _callable_package(package: _types.ModuleType, verb: object) -> None:
    """Let the subpackage ``solvent.NAME`` be called as the verb ``solvent.api.NAME``."""

    def call(self: _types.ModuleType, *args: object, **kwargs: object) -> object:
        return verb(*args, **kwargs)  # type: ignore[operator]

    kind = type(f"{package.__name__}.verb", (type(package),), {"__call__": call})
    package.__class__ = kind


def _verbs() -> None:
    import importlib

    for name in ("check", "stress", "monitor"):
        _callable_package(importlib.import_module(f"solvent.{name}"), getattr(api, name))


_verbs()

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
# and the verbs and result types of solvent.api, listed once in solvent/api/__init__.py
# (`check` is the callable subpackage solvent.check)
__all__ += ["api", *api.__all__]
