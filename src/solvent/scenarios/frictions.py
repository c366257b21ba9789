"""Frictions that are data transforms; the stress runner decides how to apply them.

* :func:`prices_from_returns` turns a scenario's returns into price paths.
* :func:`oracle_delay` lags a price series by ``k`` steps (what a protocol sees when its
  oracle reports the price of ``k`` steps ago).
* :func:`keeper_outage_mask` / :func:`outage_window` give boolean masks, ``True`` where
  the keeper does not run.
* :func:`impact_price` is the execution price of closing a position of ``size`` into a
  market of depth ``depth`` with linear price impact.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from solvent.scenarios.base import check_count
from solvent.scenarios.errors import ScenarioParameterError


def _nonneg_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ScenarioParameterError(f"{name} must be a whole number of steps >= 0, got {value!r}")
    return int(value)


def prices_from_returns(returns: np.ndarray, start: Any) -> np.ndarray:
    """Price paths ``(n_paths, n_steps + 1[, n_assets])`` from simple returns.

    ``start`` is a number, one per asset, or one per path (broadcast against
    ``returns[:, 0]``); column 0 of the result is ``start``.
    """
    r = np.asarray(returns, dtype=np.float64)
    growth = np.cumprod(1.0 + r, axis=1)
    first = np.ones_like(r[:, :1])
    paths = np.concatenate((first, growth), axis=1)
    s = np.asarray(start, dtype=np.float64)
    if s.ndim == 1 and r.ndim == 2:
        s = s[:, None]  # one start per path
    return s * paths


def oracle_delay(prices: np.ndarray, k: int) -> np.ndarray:
    """The price an oracle ``k`` steps late reports: ``out[:, t] = prices[:, max(t - k, 0)]``.

    ``prices`` has steps on axis 1 (``(n_paths, n_points[, n_assets])``); the first ``k``
    points repeat the first price. ``k = 0`` returns a copy.
    """
    k = _nonneg_int("oracle delay k", k)
    p = np.asarray(prices)
    index = np.maximum(np.arange(p.shape[1]) - k, 0)
    return p[:, index]


def outage_window(n_paths: int, n_steps: int, start: int, duration: int) -> np.ndarray:
    """A fixed outage: ``True`` for steps ``start .. start + duration - 1`` on every path."""
    n_paths = check_count("paths", n_paths)
    n_steps = check_count("steps", n_steps)
    start = _nonneg_int("outage start", start)
    duration = _nonneg_int("outage duration", duration)
    mask: Any = np.zeros((n_paths, n_steps), dtype=bool)
    mask[:, start : start + duration] = True
    return mask


def keeper_outage_mask(
    rng: np.random.Generator, n_paths: int, n_steps: int, *, start_probability: float, duration: int
) -> np.ndarray:
    """Random keeper outages: ``True`` where the keeper is down.

    An outage starts at each step independently with ``start_probability`` and lasts
    ``duration`` steps (including its first); overlapping outages merge. Draws
    ``rng.random((n_paths, n_steps))`` and nothing else.
    """
    n_paths = check_count("paths", n_paths)
    n_steps = check_count("steps", n_steps)
    duration = _nonneg_int("outage duration", duration)
    p = float(start_probability)
    if not 0 <= p <= 1:
        raise ScenarioParameterError(
            f"outage start_probability must be in [0, 1], got {start_probability!r}"
        )
    starts = rng.random((n_paths, n_steps)) < p
    counts = np.cumsum(starts, axis=1, dtype=np.int64)
    lagged = np.zeros_like(counts)
    if duration < n_steps:
        lagged[:, duration:] = counts[:, : n_steps - duration]
    return (counts - lagged) > 0 if duration else np.zeros_like(starts)


def impact_price(price: Any, size: Any, depth: Any, coefficient: float = 1.0) -> np.ndarray:
    """Execution price when closing a position ``size`` (signed, base units) at once.

    The fractional price concession is ``coefficient * |size| * price / depth`` (notional
    over liquidity depth, both in quote currency), capped at 1; closing a long (selling)
    gets ``price * (1 - impact)``, closing a short (buying) ``price * (1 + impact)``.
    """
    p = np.asarray(price, dtype=np.float64)
    s = np.asarray(size, dtype=np.float64)
    d = np.asarray(depth, dtype=np.float64)
    if np.any(d <= 0) or coefficient < 0:
        raise ScenarioParameterError("impact needs depth > 0 and coefficient >= 0")
    impact = np.minimum(coefficient * np.abs(s) * p / d, 1.0)
    return p * (1.0 - np.sign(s) * impact)
