"""The public Python API: the verbs of the command line as functions that return results.

See :mod:`solvent.api.results` for what they return. Everything here is re-exported from
``solvent`` itself (``import solvent as sv; sv.prove("spec.py")``).
"""

from solvent.api.results import (
    BoundaryResult,
    RegionResult,
    Result,
    ShrinkReport,
    StressReport,
    VerdictResult,
)
from solvent.api.risk import frontier, synth
from solvent.api.simulate import shrink, stress
from solvent.api.verify import bmc, check, lint, load, model, prove, read_trace, replay
from solvent.api.watch import monitor

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
