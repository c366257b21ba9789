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
from typing import TYPE_CHECKING as _TYPE_CHECKING  # noqa: E402
from typing import Any as _Any  # noqa: E402

from solvent import api  # noqa: E402
from solvent.api import (  # noqa: E402, F401 - re-exported: api.__all__
    BoundaryResult,
    RegionResult,
    Result,
    ShrinkReport,
    StressReport,
    VerdictResult,
    bmc,
    lint,
    load,
    model,
    prove,
    read_trace,
    replay,
)

if _TYPE_CHECKING:  # imported on first use (solvent.api.LAZY): a check does not need them
    from solvent.api import frontier, shrink, synth  # noqa: F401 - re-exported


def __getattr__(name: str) -> _Any:
    """``sv.frontier``, ``sv.synth``, ``sv.shrink``: solvent.api's, imported on first use."""
    if name in api.LAZY:
        return getattr(api, name)
    raise AttributeError(f"module 'solvent' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *api.LAZY})


def _callable_package(package: _types.ModuleType, name: str) -> None:
    """Let the subpackage ``solvent.NAME`` be called as the verb ``solvent.api.NAME``."""

    def call(self: _types.ModuleType, *args: object, **kwargs: object) -> object:
        return getattr(api, name)(*args, **kwargs)  # looked up when called (api.LAZY)

    kind = type(f"{package.__name__}.verb", (type(package),), {"__call__": call})
    package.__class__ = kind


def _verbs() -> None:
    import importlib

    for name in ("check", "stress", "monitor"):
        _callable_package(importlib.import_module(f"solvent.{name}"), name)


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
