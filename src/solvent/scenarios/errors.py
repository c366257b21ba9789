"""Errors a user can cause with scenarios, history files and populations (codes SV6xx).

Every class is a :class:`solvent.errors.SolventError` (exit 3); the codes are documented
in ``docs/errors.md``.
"""

from __future__ import annotations

from solvent.errors import SolventError


class ScenarioError(SolventError):
    """Base of the scenario errors (not raised by itself)."""

    code = "SV600"


class UnknownScenarioError(ScenarioError):
    """A scenario (or shipped dataset) name that does not exist."""

    code = "SV601"


class ScenarioParameterError(ScenarioError):
    """A nonsensical or unknown scenario or population parameter."""

    code = "SV602"


class SampleSizeError(ScenarioError):
    """Paths, steps or accounts <= 0, or more steps than a history holds."""

    code = "SV603"


class CorrelationMatrixError(ScenarioError):
    """A correlation matrix with the wrong shape, not symmetric, or not PSD."""

    code = "SV604"


class HistoryFileError(ScenarioError):
    """A history file that cannot be found or read."""

    code = "SV610"


class HistoryEmptyError(HistoryFileError):
    code = "SV611"


class HistoryColumnsError(HistoryFileError):
    code = "SV612"


class HistoryTimestampError(HistoryFileError):
    code = "SV613"


class HistoryPriceError(HistoryFileError):
    code = "SV614"


class HistoryBarError(HistoryFileError):
    code = "SV615"


class HistoryOrderError(HistoryFileError):
    code = "SV616"
