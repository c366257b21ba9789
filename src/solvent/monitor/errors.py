"""Errors a user can cause with `solvent monitor` (codes SV45x, exit 3; see docs/errors.md).

Bad *events* never raise: they go to the quarantine file with their reason. These errors
are for what stops the monitor from starting: a source it cannot open, a proof file it
cannot use, options that do not fit the spec, a checkpoint of another run.
"""

from __future__ import annotations

from solvent.errors import SolventError


class MonitorError(SolventError):
    """Base of the monitor errors (not raised by itself)."""

    code = "SV450"


class SourceError(MonitorError):
    """The event source cannot be opened: a missing file, an unreachable Redis server."""

    code = "SV451"


class ProofInputError(MonitorError):
    """``--proof RESULT.json`` is unreadable, not a PASS of prove, or for another spec."""

    code = "SV452"


class MonitorConfigError(MonitorError):
    """A monitor option that does not fit the spec (field names, thresholds, step)."""

    code = "SV453"


class CheckpointError(MonitorError):
    """A checkpoint that cannot be read or belongs to another spec or source."""

    code = "SV454"
