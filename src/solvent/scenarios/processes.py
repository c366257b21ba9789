"""Random price processes: GBM, Merton jump-diffusion, GARCH(1,1), Student-t returns.

Time: every process takes **annualised** ``vol`` and ``drift`` and ``steps_per_year``
(default 8760, one step per hour); one step is ``dt = 1 / steps_per_year`` years, so the
per-step volatility is ``vol * sqrt(dt)``. ``describe()`` lists the per-step values.

Every process models the **log** return ``x`` of a step and returns the simple return
``exp(x) - 1`` (computed with ``expm1``), so prices stay positive. ``drift`` is the
arithmetic drift: ``E[price[t+1] / price[t]] = exp(drift * dt)`` for every process.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from solvent.scenarios.base import Scenario, nonnegative, number, positive
from solvent.scenarios.errors import ScenarioParameterError

HOURS_PER_YEAR = 8760


class _Diffusion(Scenario):
    """Shared time handling: annual ``vol``/``drift`` and ``steps_per_year``."""

    def __init__(self, *, vol: Any, drift: Any, steps_per_year: Any) -> None:
        self.vol = nonnegative(self.name, "vol", vol, " (annualised volatility, e.g. 0.8)")
        self.drift = number(self.name, "drift", drift)
        self.steps_per_year = positive(
            self.name, "steps_per_year", steps_per_year, " (e.g. 8760 for hourly steps)"
        )
        self.dt = 1.0 / self.steps_per_year
        self.step_vol = self.vol * math.sqrt(self.dt)

    def _time_params(self) -> dict[str, Any]:
        return {
            "vol": self.vol,
            "drift": self.drift,
            "steps_per_year": self.steps_per_year,
            "step_vol": self.step_vol,
        }


class GBM(_Diffusion):
    """Geometric Brownian motion.

    Log return per step: ``(drift - vol**2 / 2) * dt + vol * sqrt(dt) * Z``, ``Z ~ N(0, 1)``.
    """

    name = "gbm"

    def __init__(
        self, *, vol: Any = 0.8, drift: Any = 0.0, steps_per_year: Any = HOURS_PER_YEAR
    ) -> None:
        super().__init__(vol=vol, drift=drift, steps_per_year=steps_per_year)

    def params(self) -> dict[str, Any]:
        return self._time_params()

    def source(self) -> str:
        return "geometric Brownian motion"

    def _sample(self, rng: np.random.Generator, n_paths: int, n_steps: int) -> np.ndarray:
        out = rng.standard_normal((n_paths, n_steps))
        out *= self.step_vol
        out += (self.drift - 0.5 * self.vol**2) * self.dt
        return np.expm1(out, out=out)


class Merton(_Diffusion):
    """Merton jump-diffusion: GBM plus compound-Poisson jumps in the log price.

    Per step: ``N ~ Poisson(jump_intensity * dt)`` jumps, each adding a log jump
    ``~ N(jump_mean, jump_std**2)``; the diffusion drift is compensated by
    ``jump_intensity * (exp(jump_mean + jump_std**2 / 2) - 1)`` so ``drift`` stays the
    arithmetic drift. ``jump_intensity`` is in jumps per year.
    """

    name = "merton"

    def __init__(
        self,
        *,
        vol: Any = 0.6,
        drift: Any = 0.0,
        steps_per_year: Any = HOURS_PER_YEAR,
        jump_intensity: Any = 12.0,
        jump_mean: Any = -0.05,
        jump_std: Any = 0.08,
    ) -> None:
        super().__init__(vol=vol, drift=drift, steps_per_year=steps_per_year)
        self.jump_intensity = nonnegative(
            self.name, "jump_intensity", jump_intensity, " (expected jumps per year)"
        )
        self.jump_mean = number(self.name, "jump_mean", jump_mean)
        self.jump_std = nonnegative(self.name, "jump_std", jump_std)
        self.step_intensity = self.jump_intensity * self.dt
        self.compensator = self.jump_intensity * math.expm1(self.jump_mean + 0.5 * self.jump_std**2)

    def params(self) -> dict[str, Any]:
        return {
            **self._time_params(),
            "jump_intensity": self.jump_intensity,
            "jump_mean": self.jump_mean,
            "jump_std": self.jump_std,
            "step_jump_probability": -math.expm1(-self.step_intensity),
        }

    def source(self) -> str:
        return "Merton jump-diffusion"

    def sample_with_jumps(
        self, rng: np.random.Generator, n_paths: int, n_steps: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`sample`, also returning the jump count of every step."""
        out = rng.standard_normal((n_paths, n_steps))
        counts = rng.poisson(self.step_intensity, (n_paths, n_steps))
        out *= self.step_vol
        out += (self.drift - self.compensator - 0.5 * self.vol**2) * self.dt
        hit = np.nonzero(counts)
        if hit[0].size:
            k = counts[hit].astype(np.float64)
            out[hit] += k * self.jump_mean + np.sqrt(k) * self.jump_std * rng.standard_normal(
                k.size
            )
        return np.expm1(out, out=out), counts

    def _sample(self, rng: np.random.Generator, n_paths: int, n_steps: int) -> np.ndarray:
        return self.sample_with_jumps(rng, n_paths, n_steps)[0]


def _student_t_unit(rng: np.random.Generator, df: float, shape: tuple[int, ...]) -> np.ndarray:
    """Student-t draws scaled to unit variance (needs ``df > 2``)."""
    out = rng.standard_t(df, shape)
    out *= math.sqrt((df - 2.0) / df)
    return out


def _check_df(scenario: str, df: Any) -> float:
    out = number(scenario, "df", df)
    if out <= 2:
        raise ScenarioParameterError(
            f"scenario {scenario}: df (degrees of freedom) must be > 2 so the variance "
            f"exists and returns can be scaled to vol, got {df!r}; use e.g. df=3"
        )
    return out


class StudentT(_Diffusion):
    """I.i.d. Student-t log returns scaled to a given volatility.

    Log return per step: ``(drift - vol**2 / 2) * dt + vol * sqrt(dt) * T``, where
    ``T = t_df * sqrt((df - 2) / df)`` has unit variance (``df > 2``). The drift term
    makes ``drift`` the arithmetic drift to first order (exact for GBM only).
    """

    name = "student-t"

    def __init__(
        self,
        *,
        vol: Any = 0.8,
        drift: Any = 0.0,
        steps_per_year: Any = HOURS_PER_YEAR,
        df: Any = 3.0,
    ) -> None:
        super().__init__(vol=vol, drift=drift, steps_per_year=steps_per_year)
        self.df = _check_df(self.name, df)

    def params(self) -> dict[str, Any]:
        return {**self._time_params(), "df": self.df}

    def source(self) -> str:
        return "i.i.d. Student-t log returns"

    def _sample(self, rng: np.random.Generator, n_paths: int, n_steps: int) -> np.ndarray:
        out = _student_t_unit(rng, self.df, (n_paths, n_steps))
        out *= self.step_vol
        out += (self.drift - 0.5 * self.vol**2) * self.dt
        return np.expm1(out, out=out)


class GARCH(_Diffusion):
    """GARCH(1,1) log returns.

    ``x[t] = mu + e[t]``, ``e[t] = sqrt(h[t]) * z[t]``,
    ``h[t] = omega + alpha * e[t-1]**2 + beta * h[t-1]``, with ``z`` standard normal (or
    unit-variance Student-t when ``df`` is given). ``vol`` is the annualised long-run
    volatility: ``omega = vol**2 * dt * (1 - alpha - beta)``; every path starts at
    ``h[0] = start_vol**2 * dt`` (default ``start_vol = vol``). Needs ``alpha, beta >= 0``
    and ``alpha + beta < 1`` (stationary). ``mu = (drift - vol**2 / 2) * dt``.
    """

    name = "garch"

    def __init__(
        self,
        *,
        vol: Any = 0.8,
        drift: Any = 0.0,
        steps_per_year: Any = HOURS_PER_YEAR,
        alpha: Any = 0.1,
        beta: Any = 0.85,
        start_vol: Any = None,
        df: Any = None,
    ) -> None:
        super().__init__(vol=vol, drift=drift, steps_per_year=steps_per_year)
        self.alpha = nonnegative(self.name, "alpha", alpha)
        self.beta = nonnegative(self.name, "beta", beta)
        if self.alpha + self.beta >= 1:
            raise ScenarioParameterError(
                f"scenario {self.name}: alpha + beta must be < 1 for a stationary variance, "
                f"got alpha={alpha!r} + beta={beta!r} = {self.alpha + self.beta:g}; "
                "lower one of them (e.g. alpha=0.1, beta=0.85)"
            )
        self.start_vol = (
            self.vol
            if start_vol is None
            else nonnegative(self.name, "start_vol", start_vol, " (annualised)")
        )
        self.df = None if df is None else _check_df(self.name, df)
        self.omega = self.vol**2 * self.dt * (1 - self.alpha - self.beta)

    def params(self) -> dict[str, Any]:
        return {
            **self._time_params(),
            "alpha": self.alpha,
            "beta": self.beta,
            "start_vol": self.start_vol,
            "df": self.df,
            "omega": self.omega,
        }

    def source(self) -> str:
        return "GARCH(1,1)"

    def _sample(self, rng: np.random.Generator, n_paths: int, n_steps: int) -> np.ndarray:
        shape = (n_paths, n_steps)
        z = rng.standard_normal(shape) if self.df is None else _student_t_unit(rng, self.df, shape)
        mu = (self.drift - 0.5 * self.vol**2) * self.dt
        h = np.full(n_paths, self.start_vol**2 * self.dt)
        for t in range(n_steps):
            col = z[:, t]
            col *= np.sqrt(h)  # col is now the shock e[t]
            h = self.omega + self.alpha * col * col + self.beta * h
        z += mu
        return np.expm1(z, out=z)
