"""Account populations: initial per-account state drawn from leverage, size and side.

For the isolated perpetual (``solvent/models/perp_isolated.py``) an account holds a quote
balance ``quote`` and a signed ``size``; at price ``P`` its notional is ``|size| * P`` and
its equity ``quote + size * P``. An account drawn with leverage ``L`` and notional ``N``
starts with

* ``size = side * N / P`` (``side`` = +1 long with probability ``long_share``, else -1),
* equity ``N / L``, i.e. ``quote = N / L - size * P``.

It meets its initial margin (``equity >= notional * initial_margin``) exactly when
``L <= 1 / initial_margin``: leverage draws are capped just below ``1 / initial_margin``
(by a relative 1e-9, so float rounding cannot put an account under it), and a discrete
leverage above the cap is an error.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from solvent.scenarios.base import check_count
from solvent.scenarios.errors import ScenarioParameterError

_SAFETY = 1e-9


def _fail(what: str, message: str) -> ScenarioParameterError:
    return ScenarioParameterError(f"population {what}: {message}")


@dataclass(frozen=True, slots=True)
class Fixed:
    """Every account gets ``value``."""

    value: float

    def draw(self, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
        return np.full(shape, float(self.value))


@dataclass(frozen=True, slots=True)
class Lognormal:
    """``median * exp(sigma * Z)``, ``Z ~ N(0, 1)``."""

    median: float
    sigma: float

    def draw(self, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
        out = rng.standard_normal(shape)
        out *= self.sigma
        np.exp(out, out=out)
        out *= self.median
        return out


@dataclass(frozen=True, slots=True)
class Pareto:
    """Pareto (type I): ``minimum * U**(-1 / alpha)``; heavy tail, few whales."""

    alpha: float
    minimum: float

    def draw(self, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
        return self.minimum * (1.0 + rng.pareto(self.alpha, shape))


@dataclass(frozen=True, slots=True)
class Discrete:
    """A mix of values with weights (normalised to sum to 1)."""

    values: tuple[float, ...]
    weights: tuple[float, ...]

    def draw(self, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
        p = np.asarray(self.weights, dtype=np.float64)
        return np.asarray(self.values, dtype=np.float64)[
            rng.choice(len(p), size=shape, p=p / p.sum())
        ]


Distribution = Fixed | Lognormal | Pareto | Discrete
_PATTERN = re.compile(r"^\s*([a-z]+)\s*\((.*)\)\s*$")


def parse_distribution(what: str, spec: Any) -> Distribution:
    """A distribution from an object, a number, a ``{value: weight}`` dict, or a string.

    Strings: ``"5"``, ``"lognormal(5, 0.6)"`` (median, sigma), ``"pareto(1.5, 1000)"``
    (alpha, minimum), ``"discrete(2:0.3, 5:0.5, 20:0.2)"`` (value:weight pairs).
    """
    if isinstance(spec, Fixed | Lognormal | Pareto | Discrete):
        dist = spec
    elif isinstance(spec, dict):
        dist = Discrete(tuple(float(k) for k in spec), tuple(float(v) for v in spec.values()))
    elif isinstance(spec, int | float) and not isinstance(spec, bool):
        dist = Fixed(float(spec))
    elif isinstance(spec, str):
        dist = _parse_text(what, spec)
    else:
        raise _fail(what, f"cannot read distribution {spec!r}; " + _FORMS)
    _validate(what, dist)
    return dist


_FORMS = (
    "write a number, lognormal(median, sigma), pareto(alpha, minimum) or "
    "discrete(value:weight, ...)"
)


def _parse_text(what: str, text: str) -> Distribution:
    try:
        return Fixed(float(text))
    except ValueError:
        pass
    match = _PATTERN.match(text.lower())
    if not match:
        raise _fail(what, f"cannot read distribution {text!r}; " + _FORMS)
    kind, body = match.groups()
    args = [a.strip() for a in body.split(",") if a.strip()]
    try:
        if kind == "lognormal" and len(args) == 2:
            return Lognormal(float(args[0]), float(args[1]))
        if kind == "pareto" and len(args) == 2:
            return Pareto(float(args[0]), float(args[1]))
        if kind == "discrete" and args:
            pairs = [a.split(":") for a in args]
            return Discrete(tuple(float(v) for v, _ in pairs), tuple(float(w) for _, w in pairs))
    except ValueError:
        pass
    raise _fail(what, f"cannot read distribution {text!r}; " + _FORMS)


def _validate(what: str, dist: Distribution) -> None:
    def finite(*xs: float) -> bool:
        return all(math.isfinite(x) for x in xs)

    if isinstance(dist, Fixed):
        ok = finite(dist.value) and dist.value > 0
        rule = "the value must be > 0"
    elif isinstance(dist, Lognormal):
        ok = finite(dist.median, dist.sigma) and dist.median > 0 and dist.sigma >= 0
        rule = "lognormal needs median > 0 and sigma >= 0"
    elif isinstance(dist, Pareto):
        ok = finite(dist.alpha, dist.minimum) and dist.alpha > 0 and dist.minimum > 0
        rule = "pareto needs alpha > 0 and minimum > 0"
    else:
        ok = (
            len(dist.values) == len(dist.weights) > 0
            and finite(*dist.values, *dist.weights)
            and all(v > 0 for v in dist.values)
            and all(w >= 0 for w in dist.weights)
            and sum(dist.weights) > 0
        )
        rule = "discrete needs values > 0 and weights >= 0 that do not all vanish"
    if not ok:
        raise _fail(what, f"{rule}, got {spell(dist)}")


def spell(dist: Distribution) -> str:
    """A distribution as the user writes it (``-3``, ``lognormal(5, 0.6)``), for messages."""
    if isinstance(dist, Fixed):
        return f"{dist.value:g}"
    if isinstance(dist, Lognormal):
        return f"lognormal({dist.median:g}, {dist.sigma:g})"
    if isinstance(dist, Pareto):
        return f"pareto({dist.alpha:g}, {dist.minimum:g})"
    pairs = ", ".join(f"{v:g}:{w:g}" for v, w in zip(dist.values, dist.weights, strict=False))
    return f"discrete({pairs})"


class Population:
    """Initial per-account state for thousands of accounts per path.

    Parameters
    ----------
    leverage : distribution
        Leverage ``L = notional / equity`` (default ``lognormal(5, 0.6)``), capped just
        below ``1 / initial_margin``.
    notional : distribution
        Position notional in quote currency at the start price (default
        ``pareto(1.5, 1000)``).
    long_share : float
        Probability that an account is long (default 0.5); 1 = everyone long.
    initial_margin : float
        The spec's initial margin rate, in (0, 1] (default 0.10, the perp model's).
    max_notional : float | None
        Optional cap on a single notional (tames Pareto whales).
    """

    def __init__(
        self,
        *,
        leverage: Any = "lognormal(5, 0.6)",
        notional: Any = "pareto(1.5, 1000)",
        long_share: Any = 0.5,
        initial_margin: Any = 0.10,
        max_notional: Any = None,
    ) -> None:
        self.leverage = parse_distribution("leverage", leverage)
        self.notional = parse_distribution("notional", notional)
        try:
            self.long_share = float(long_share)
            self.initial_margin = float(initial_margin)
        except (TypeError, ValueError):
            raise _fail(
                "long_share/initial_margin",
                f"must be numbers, got {long_share!r}, {initial_margin!r}",
            ) from None
        if not 0 <= self.long_share <= 1:
            raise _fail("long_share", f"must be in [0, 1], got {long_share!r}")
        if not 0 < self.initial_margin <= 1:
            raise _fail(
                "initial_margin",
                f"must be in (0, 1] (0.10 = 10x maximum leverage), got {initial_margin!r}",
            )
        self.max_leverage = 1.0 / self.initial_margin
        if isinstance(self.leverage, Discrete) and max(self.leverage.values) > self.max_leverage:
            raise _fail(
                "leverage",
                f"value {max(self.leverage.values):g} exceeds the maximum leverage "
                f"{self.max_leverage:g} = 1 / initial_margin; accounts would start below "
                "their initial margin",
            )
        if isinstance(self.leverage, Fixed) and self.leverage.value > self.max_leverage:
            raise _fail(
                "leverage",
                f"{self.leverage.value:g} exceeds the maximum leverage {self.max_leverage:g} "
                "= 1 / initial_margin",
            )
        self.max_notional = None if max_notional is None else float(max_notional)
        if self.max_notional is not None and not self.max_notional > 0:
            raise _fail("max_notional", f"must be > 0, got {max_notional!r}")

    def describe(self) -> dict[str, Any]:
        """Return the population's parameters (JSON-ready)."""
        return {
            "leverage": repr(self.leverage),
            "notional": repr(self.notional),
            "long_share": self.long_share,
            "initial_margin": self.initial_margin,
            "max_leverage": self.max_leverage,
            "max_notional": self.max_notional,
        }

    def sample_detail(
        self, rng: np.random.Generator, n_paths: int, n_accounts: int, price: Any
    ) -> dict[str, np.ndarray]:
        """Like :meth:`sample`, also returning ``leverage``, ``notional`` and ``side``."""
        n_paths = check_count("paths", n_paths)
        n_accounts = check_count("accounts", n_accounts)
        p = np.asarray(price, dtype=np.float64)
        if p.ndim == 1:
            if p.shape[0] != n_paths:
                raise _fail("price", f"has {p.shape[0]} entries for {n_paths} paths")
            p = p[:, None]
        elif p.ndim != 0:
            raise _fail("price", "must be a number or one price per path")
        if not (np.all(np.isfinite(p)) and np.all(p > 0)):
            raise _fail("price", "must be positive and finite")
        shape = (n_paths, n_accounts)
        leverage = np.minimum(self.leverage.draw(rng, shape), self.max_leverage * (1 - _SAFETY))
        notional = self.notional.draw(rng, shape)
        if self.max_notional is not None:
            np.minimum(notional, self.max_notional, out=notional)
        side = np.where(rng.random(shape) < self.long_share, 1.0, -1.0)
        size = side * notional / p
        quote = notional / leverage - size * p
        return {
            "quote": quote,
            "size": size,
            "leverage": leverage,
            "notional": notional,
            "side": side,
        }

    def sample(
        self, rng: np.random.Generator, n_paths: int, n_accounts: int, price: Any
    ) -> dict[str, np.ndarray]:
        """Draw ``{"quote", "size"}``, each float64 ``(n_paths, n_accounts)``.

        ``price`` is the start price (a number, or one per path). Draws leverage, then
        notional, then side, from ``rng`` only; every account starts at or above its
        initial margin.
        """
        detail = self.sample_detail(rng, n_paths, n_accounts, price)
        return {"quote": detail["quote"], "size": detail["size"]}
