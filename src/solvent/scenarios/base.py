"""The scenario interface and the parameter checks every scenario shares.

A scenario turns ``(rng, n_paths, n_steps)`` into per-step simple returns
``price[t + 1] / price[t] - 1``. The output depends only on the generator's state and
the two sizes, and a scenario draws only from the generator it is given, so a runner
that hands one generator to each fixed block of paths gets the same numbers whatever
its chunk size or worker count.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from solvent.scenarios.errors import SampleSizeError, ScenarioParameterError


class Scenario:
    """Base class of every scenario.

    Attributes
    ----------
    name : str
        The registry name (``gbm``, ``black-thursday-2020`` …) or ``history`` for a
        user's file.
    assets : tuple[str, ...]
        Asset labels; with one asset, :meth:`sample` returns ``(n_paths, n_steps)``,
        otherwise ``(n_paths, n_steps, n_assets)``.
    native_steps : int | None
        Length of a deterministic (historical) path; ``None`` for random processes,
        which need an explicit ``n_steps``.
    """

    name: str = "scenario"
    assets: tuple[str, ...] = ("asset",)
    native_steps: int | None = None
    deterministic: bool = False

    @property
    def n_assets(self) -> int:
        """Number of assets (columns of the last axis when more than one)."""
        return len(self.assets)

    def sample(self, rng: np.random.Generator, n_paths: int, n_steps: int | None) -> np.ndarray:
        """Draw per-step simple returns.

        Parameters
        ----------
        rng : numpy.random.Generator
            The only source of randomness used.
        n_paths : int
            Number of paths (rows), > 0.
        n_steps : int | None
            Steps per path, > 0; ``None`` means the native length of a historical
            scenario (an error for random processes).

        Returns
        -------
        numpy.ndarray
            float64, shape ``(n_paths, n_steps)`` for one asset or
            ``(n_paths, n_steps, n_assets)``. Historical replays return a read-only
            broadcast view (every path is the same); copy it before writing.
        """
        if not isinstance(rng, np.random.Generator):
            raise ScenarioParameterError(
                f"scenario {self.name}: rng must be a numpy.random.Generator, got "
                f"{type(rng).__name__}; create one with numpy.random.default_rng(seed)"
            )
        n_paths = check_count("paths", n_paths)
        n_steps = self._resolve_steps(n_steps)
        out = self._sample(rng, n_paths, n_steps)
        if self.n_assets == 1 and out.ndim == 3:
            out = out[:, :, 0]
        return out

    def _resolve_steps(self, n_steps: int | None) -> int:
        if n_steps is None:
            if self.native_steps is None:
                raise SampleSizeError(
                    f"scenario {self.name} has no native length; give the number of steps "
                    "(e.g. --steps 100)"
                )
            return self.native_steps
        n_steps = check_count("steps", n_steps)
        if self.native_steps is not None and n_steps > self.native_steps:
            raise SampleSizeError(
                f"scenario {self.name} has {self.native_steps} steps, {n_steps} were asked "
                f"for; ask for at most {self.native_steps} (or omit the steps to replay "
                "all of it)"
            )
        return n_steps

    def _sample(self, rng: np.random.Generator, n_paths: int, n_steps: int) -> np.ndarray:
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        """The parameters, as given plus derived per-step values."""
        return {}

    def source(self) -> str:
        """Where the numbers come from (a formula or a data file)."""
        return "synthetic"

    def describe(self) -> dict[str, Any]:
        """Return ``{name, params, source, assets, native_steps}`` (JSON-ready)."""
        return {
            "name": self.name,
            "params": self.params(),
            "source": self.source(),
            "assets": list(self.assets),
            "native_steps": self.native_steps,
        }

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"<Scenario {self.name}({inner})>"


def check_count(what: str, value: Any) -> int:
    """An integer > 0 (paths, steps, accounts), else SV603 naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise SampleSizeError(f"number of {what} must be a whole number > 0, got {value!r}")
    if value <= 0:
        raise SampleSizeError(f"number of {what} must be > 0, got {value}; give e.g. 1000")
    return int(value)


def number(scenario: str, name: str, value: Any) -> float:
    """A finite float parameter, else SV602 naming the scenario and argument."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ScenarioParameterError(
            f"scenario {scenario}: {name} must be a number, got {value!r}"
        ) from None
    if not math.isfinite(out):
        raise ScenarioParameterError(f"scenario {scenario}: {name} must be finite, got {value!r}")
    return out


def nonnegative(scenario: str, name: str, value: Any, hint: str = "") -> float:
    out = number(scenario, name, value)
    if out < 0:
        raise ScenarioParameterError(
            f"scenario {scenario}: {name} must be >= 0, got {value!r}{hint}"
        )
    return out


def positive(scenario: str, name: str, value: Any, hint: str = "") -> float:
    out = number(scenario, name, value)
    if out <= 0:
        raise ScenarioParameterError(
            f"scenario {scenario}: {name} must be > 0, got {value!r}{hint}"
        )
    return out


def integer(scenario: str, name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool):
        raise ScenarioParameterError(
            f"scenario {scenario}: {name} must be an integer, got {value!r}"
        )
    try:
        out = int(value)
        exact = float(value) == out
    except (TypeError, ValueError):
        exact = False
    if not exact:
        raise ScenarioParameterError(
            f"scenario {scenario}: {name} must be an integer, got {value!r}"
        )
    if out < minimum:
        raise ScenarioParameterError(
            f"scenario {scenario}: {name} must be >= {minimum}, got {value!r}"
        )
    return out
