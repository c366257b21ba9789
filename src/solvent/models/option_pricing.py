"""Black–Scholes–Merton values and the bounds the solver-checked models use instead.

The solver's arithmetic has ``+ - * /``, comparisons and ``max``/``min`` only; the
Black–Scholes formula needs ``exp``, ``log``, ``sqrt`` and the normal CDF, so no spec
computes it. The option models value positions **at expiry** (intrinsic value, piecewise
linear in the price). This module is for documentation and for users who want to see how
far a pre-expiry mark can be from the intrinsic value a model uses:

- :func:`black_scholes` prices a European call or put (an exact ``Fraction`` where the
  value is rational, else a float; checked against the Haug values in QuantLib's test
  suite and Hull's example 15.6, docs/models/sources.md E1, E2),
- :func:`value_bounds` gives model-free no-arbitrage bounds, exact in ``Fraction`` when
  the discount factors are given: ``max(S*Dq - K*Dr, 0) <= call <= S*Dq`` and
  ``max(K*Dr - S*Dq, 0) <= put <= K*Dr``,
- :func:`time_value_bound` bounds the time value at any price by the at-the-money value
  ``S*Dq*sigma*sqrt(T)/sqrt(2*pi)`` (the vega bound): BS value ``<=`` forward intrinsic
  ``+ S*Dq*sigma*sqrt(T)/sqrt(2*pi)``, since the time value of a European option is
  largest at the money and ``N(x) - N(-x) <= 2x*phi(0)``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from solvent.errors import ModelParameterError
from solvent.models.validate import check_fraction


def _norm_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _kind(kind: str) -> str:
    k = kind.lower()
    if k not in ("call", "put", "c", "p"):
        raise ModelParameterError(f"parameter kind = {kind!r}: must be 'call' or 'put'")
    return "call" if k.startswith("c") else "put"


def black_scholes(
    kind: str, spot: Any, strike: Any, rate: Any, dividend: Any, years: Any, volatility: Any
) -> float | Fraction:
    """Black–Scholes–Merton value of a European option.

    ``rate`` and ``dividend`` (continuous yield ``q``) are per year, ``years`` is the time
    to expiry, ``volatility`` per square-root year. At ``years = 0`` or ``volatility = 0``
    the value is the discounted intrinsic value of the forward. The value is an exact
    ``Fraction`` where the inputs make it rational: at ``years = 0``, or at
    ``volatility = 0`` with ``rate = dividend = 0`` (the intrinsic value); otherwise
    (exponentials, logarithms, the normal distribution) it is a float.
    """
    kind = _kind(kind)
    exact = {
        n: check_fraction(n, x, nonnegative=n in ("years", "volatility"))
        for n, x in (("years", years), ("volatility", volatility), ("rate", rate),
                     ("dividend", dividend))
    }  # fmt: skip
    if exact["years"] == 0 or (
        exact["volatility"] == 0 and exact["rate"] == 0 and exact["dividend"] == 0
    ):
        fwd: Fraction = check_fraction("spot", spot, positive=True) - check_fraction(
            "strike", strike, positive=True
        )
        payoff = fwd if kind == "call" else -fwd
        return payoff if payoff > 0 else Fraction(0)
    s = float(check_fraction("spot", spot, positive=True))
    k = float(check_fraction("strike", strike, positive=True))
    t = float(check_fraction("years", years, nonnegative=True))
    sigma = float(check_fraction("volatility", volatility, nonnegative=True))
    r, q = float(check_fraction("rate", rate)), float(check_fraction("dividend", dividend))
    dq, dr = math.exp(-q * t), math.exp(-r * t)
    if t == 0 or sigma == 0:
        forward = s * dq - k * dr
        return max(forward, 0.0) if kind == "call" else max(-forward, 0.0)
    vol = sigma * math.sqrt(t)
    d1 = (math.log(s / k) + (r - q + sigma * sigma / 2) * t) / vol
    d2 = d1 - vol
    if kind == "call":
        return s * dq * _norm_cdf(d1) - k * dr * _norm_cdf(d2)
    return k * dr * _norm_cdf(-d2) - s * dq * _norm_cdf(-d1)


def value_bounds(
    kind: str, spot: Any, strike: Any, rate_discount: Any, dividend_discount: Any
) -> tuple[Fraction, Fraction]:
    """No-arbitrage bounds ``(low, high)`` of a European option's value, exact.

    ``rate_discount = exp(-r*T)`` and ``dividend_discount = exp(-q*T)`` are given as exact
    numbers (rounded by the caller), so the bounds are rational and a spec could use them.
    """
    kind = _kind(kind)
    s = check_fraction("spot", spot, positive=True)
    k = check_fraction("strike", strike, positive=True)
    dr = check_fraction("rate_discount", rate_discount, positive=True)
    dq = check_fraction("dividend_discount", dividend_discount, positive=True)
    if kind == "call":
        return max(s * dq - k * dr, Fraction(0)), s * dq
    return max(k * dr - s * dq, Fraction(0)), k * dr


def time_value_bound(spot: Any, dividend: Any, years: Any, volatility: Any) -> float:
    """Upper bound of BS value minus forward intrinsic value, at any strike (float):
    ``S * exp(-q*T) * sigma * sqrt(T) / sqrt(2*pi)`` (the at-the-money-forward value)."""
    s = float(check_fraction("spot", spot, positive=True))
    t = float(check_fraction("years", years, nonnegative=True))
    sigma = float(check_fraction("volatility", volatility, nonnegative=True))
    q = float(check_fraction("dividend", dividend))
    return s * math.exp(-q * t) * sigma * math.sqrt(t) / math.sqrt(2 * math.pi)
