"""The public Python API: the verbs of the command line as functions that return results.

See :mod:`solvent.api.results` for what they return. Everything here is re-exported from
``solvent`` itself (``import solvent as sv; sv.prove("spec.py")``).
"""

from typing import TYPE_CHECKING, Any

from solvent.api.replay_trace import replay
from solvent.api.results import (
    BoundaryResult,
    RegionResult,
    Result,
    ShrinkReport,
    StressReport,
    VerdictResult,
)
from solvent.api.verify import bmc, check, lint, load, model, prove, read_trace

if TYPE_CHECKING:
    from solvent.api.risk import frontier, synth
    from solvent.api.simulate import shrink, stress
    from solvent.api.watch import monitor

# the verbs a check's command line does not run, imported on first use (``__getattr__``)
LAZY = ("frontier", "synth", "shrink", "stress", "monitor")


def __getattr__(name: str) -> Any:
    """A verb of ``LAZY``, imported from its module when it is first asked for."""
    if name in ("frontier", "synth"):
        from solvent.api import risk

        return getattr(risk, name)
    if name in ("shrink", "stress"):
        from solvent.api import simulate

        return getattr(simulate, name)
    if name == "monitor":
        from solvent.api import watch

        return watch.monitor
    raise AttributeError(f"module 'solvent.api' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *LAZY})


__all__ = [
    "BoundaryResult",
    "RegionResult",
    "Result",
    "ShrinkReport",
    "StressReport",
    "VerdictResult",
    "bmc",
    "check",
    "frontier",
    "lint",
    "load",
    "model",
    "monitor",
    "prove",
    "read_trace",
    "replay",
    "shrink",
    "stress",
    "synth",
]
