"""`solvent conform`: check an implementation against the spec, trace by trace.

Public API: :class:`~solvent.conform.adapter.Adapter` (the protocol an adapter follows),
:func:`~solvent.conform.run.conform` and :class:`~solvent.conform.run.Options`; contract
helpers in :mod:`solvent.conform.contracts`. Nothing in solvent imports this package
except the CLI (:mod:`solvent.cli.conform`) and :func:`solvent.testing.conform.assert_conforms`.
"""

from solvent.conform.adapter import Adapter, AdapterError, ImplementationError
from solvent.conform.run import ConformResult, Options, conform

__all__ = ["Adapter", "AdapterError", "ConformResult", "ImplementationError", "Options", "conform"]
