"""Price scenarios for ``solvent stress``: random processes, historical replays, crashes.

The contract every scenario keeps::

    sc = solvent.scenarios.get("gbm", vol=0.8)        # or from_history("my.csv")
    returns = sc.sample(rng, n_paths, n_steps)         # float64 simple returns
    # shape (n_paths, n_steps), or (n_paths, n_steps, n_assets) when sc.n_assets > 1
    sc.describe()                                      # {name, params, source, ...}

``sample`` draws only from ``rng``; the output depends only on the generator's state and
the sizes. Historical replays are deterministic, have ``native_steps`` and accept
``n_steps=None`` (the whole window). See ``docs/scenarios.md``.
"""

from __future__ import annotations

from solvent.scenarios import builtin as _builtin  # noqa: F401  (registers the scenarios)
from solvent.scenarios.base import Scenario
from solvent.scenarios.datasets import dataset_names
from solvent.scenarios.errors import (
    CorrelationMatrixError,
    HistoryBarError,
    HistoryColumnsError,
    HistoryEmptyError,
    HistoryFileError,
    HistoryOrderError,
    HistoryPriceError,
    HistoryTimestampError,
    SampleSizeError,
    ScenarioError,
    ScenarioParameterError,
    UnknownScenarioError,
)
from solvent.scenarios.historical import from_history
from solvent.scenarios.registry import get, names, options, summaries

__all__ = [
    "CorrelationMatrixError",
    "HistoryBarError",
    "HistoryColumnsError",
    "HistoryEmptyError",
    "HistoryFileError",
    "HistoryOrderError",
    "HistoryPriceError",
    "HistoryTimestampError",
    "SampleSizeError",
    "Scenario",
    "ScenarioError",
    "ScenarioParameterError",
    "UnknownScenarioError",
    "dataset_names",
    "from_history",
    "get",
    "names",
    "options",
    "summaries",
]
