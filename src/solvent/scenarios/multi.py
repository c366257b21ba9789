"""Correlated multi-asset shocks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from solvent.scenarios.base import Scenario, nonnegative, number, positive
from solvent.scenarios.errors import CorrelationMatrixError, ScenarioParameterError
from solvent.scenarios.processes import HOURS_PER_YEAR, _check_df

PSD_TOLERANCE = 1e-10


def correlation_root(correlation: Any, n_assets: int, argument: str = "correlation") -> np.ndarray:
    """A matrix ``L`` with ``L @ L.T == correlation``, after checking the matrix.

    Cholesky when the matrix is positive definite; a symmetric eigen-decomposition when
    it is only positive semi-definite (e.g. two assets with correlation 1). Raises SV604
    naming ``argument`` when the shape is wrong, the matrix is not symmetric, its
    diagonal is not 1, an entry is outside [-1, 1], or an eigenvalue is negative.
    """
    try:
        c = np.array(correlation, dtype=np.float64)
    except (TypeError, ValueError):
        raise CorrelationMatrixError(
            f"{argument} must be a square matrix of numbers, e.g. [[1, 0.8], [0.8, 1]]"
        ) from None
    if c.shape != (n_assets, n_assets):
        raise CorrelationMatrixError(
            f"{argument} has shape {c.shape}, expected ({n_assets}, {n_assets}) for "
            f"{n_assets} assets; give one row and one column per asset"
        )
    if not np.all(np.isfinite(c)):
        raise CorrelationMatrixError(f"{argument} holds a NaN or infinite entry")
    if not np.allclose(c, c.T, atol=1e-12, rtol=0):
        i, j = np.argwhere(~np.isclose(c, c.T, atol=1e-12, rtol=0))[0]
        raise CorrelationMatrixError(
            f"{argument} is not symmetric: [{i}][{j}] = {c[i, j]:g} but [{j}][{i}] = "
            f"{c[j, i]:g}; make them equal"
        )
    if not np.allclose(np.diag(c), 1.0, atol=1e-12, rtol=0):
        raise CorrelationMatrixError(
            f"{argument} must have 1 on the diagonal, got {np.diag(c).tolist()}"
        )
    if np.any(np.abs(c) > 1 + 1e-12):
        raise CorrelationMatrixError(f"{argument} has an entry outside [-1, 1]")
    try:
        return np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        pass
    values, vectors = np.linalg.eigh(c)
    if values.min() < -PSD_TOLERANCE:
        raise CorrelationMatrixError(
            f"{argument} is not positive semi-definite (smallest eigenvalue "
            f"{values.min():.6g}): no set of assets can have these correlations; check the "
            "pairwise entries for consistency (e.g. A~B 0.9, B~C 0.9 forces A~C > 0.6)"
        )
    return vectors * np.sqrt(np.clip(values, 0.0, None))


def _list_arg(value: Any) -> Any:
    """``"0.8,1.0"`` (as a command line gives it) becomes ``["0.8", "1.0"]``."""
    if isinstance(value, str):
        text = value.strip().strip("[]")
        return [v.strip() for v in text.split(",") if v.strip()]
    return value


def _matrix_arg(value: Any) -> Any:
    """``"1,0.8;0.8,1"`` or ``"[[1,0.8],[0.8,1]]"`` becomes a list of rows of strings."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[["):
            rows = text[2:-2].split("],")
            return [[c.strip() for c in r.strip().strip("[]").split(",")] for r in rows]
        return [[c.strip() for c in r.split(",")] for r in text.split(";")]
    return value


class Correlated(Scenario):
    """Correlated GBM (or multivariate Student-t) log returns for several assets.

    Per step: ``x = (drift - vol**2 / 2) * dt + vol * sqrt(dt) * (L @ z)``, with ``L`` the
    root of ``correlation`` and ``z`` independent standard normals; with ``df`` the
    shocks are multivariate Student-t (``L @ z / sqrt(W / (df - 2))``, ``W ~ chi2(df)``
    shared by the assets in a step, so crashes hit them together), scaled to unit
    variance. ``vols`` and ``drifts`` are annualised, one per asset.
    """

    name = "correlated"

    def __init__(
        self,
        *,
        vols: Sequence[Any] = (0.8, 1.0),
        correlation: Any = ((1.0, 0.8), (0.8, 1.0)),
        drifts: Sequence[Any] | None = None,
        steps_per_year: Any = HOURS_PER_YEAR,
        df: Any = None,
        assets: Sequence[str] | None = None,
    ) -> None:
        vols = _list_arg(vols)
        correlation = _matrix_arg(correlation)
        if isinstance(drifts, str):
            drifts = _list_arg(drifts)
        if isinstance(assets, str):
            assets = [a.strip() for a in assets.split(",")]
        if isinstance(vols, str | bytes) or not isinstance(vols, Sequence | np.ndarray):
            raise ScenarioParameterError(
                f"scenario {self.name}: vols must be a list with one annualised volatility "
                f"per asset, e.g. [0.8, 1.0], got {vols!r}"
            )
        self.vols = np.array([nonnegative(self.name, f"vols[{i}]", v) for i, v in enumerate(vols)])
        n = self.vols.size
        if n < 1:
            raise ScenarioParameterError(f"scenario {self.name}: vols must not be empty")
        if drifts is None:
            drifts = [0.0] * n
        if len(drifts) != n:
            raise ScenarioParameterError(
                f"scenario {self.name}: drifts has {len(drifts)} entries, vols has {n}; "
                "give one per asset"
            )
        self.drifts = np.array([number(self.name, f"drifts[{i}]", v) for i, v in enumerate(drifts)])
        self.steps_per_year = positive(self.name, "steps_per_year", steps_per_year)
        self.dt = 1.0 / self.steps_per_year
        self.df = None if df is None else _check_df(self.name, df)
        if assets is None:
            assets = [f"asset{i}" for i in range(n)]
        if len(assets) != n:
            raise ScenarioParameterError(
                f"scenario {self.name}: assets has {len(assets)} names, vols has {n}"
            )
        self.assets = tuple(str(a) for a in assets)
        self.root = correlation_root(correlation, n)
        self._lower = bool(np.allclose(np.triu(self.root, 1), 0.0, atol=0.0))
        self.correlation = self.root @ self.root.T

    def params(self) -> dict[str, Any]:
        return {
            "vols": self.vols.tolist(),
            "drifts": self.drifts.tolist(),
            "correlation": np.round(self.correlation, 12).tolist(),
            "steps_per_year": self.steps_per_year,
            "df": self.df,
            "step_vols": (self.vols * math.sqrt(self.dt)).tolist(),
        }

    def source(self) -> str:
        return "correlated " + ("GBM" if self.df is None else "Student-t") + " shocks"

    def _sample(self, rng: np.random.Generator, n_paths: int, n_steps: int) -> np.ndarray:
        n = self.vols.size
        z = rng.standard_normal((n_paths, n_steps, n))
        # shocks = z @ root.T, written out elementwise so the bits do not depend on which
        # BLAS kernel a machine picks (workers on other machines must agree)
        shocks = np.empty_like(z)
        for i in range(n):
            col = shocks[:, :, i]
            np.multiply(z[:, :, 0], self.root[i, 0], out=col)
            for j in range(1, i + 1 if self._lower else n):
                col += z[:, :, j] * self.root[i, j]
        if self.df is not None:
            w = rng.chisquare(self.df, (n_paths, n_steps, 1))
            shocks *= np.sqrt((self.df - 2.0) / w)
        shocks *= self.vols * math.sqrt(self.dt)
        shocks += (self.drifts - 0.5 * self.vols**2) * self.dt
        return np.expm1(shocks, out=shocks)
