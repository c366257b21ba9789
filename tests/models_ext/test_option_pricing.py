"""Known-answer tests of the Black–Scholes helper and its bounds.

Sources: reference/derivatives.md E1 (Haug 1998 values in QuantLib's
``test-suite/europeanoption.cpp``, tolerance 1e-4) and E2 (Hull, example 15.6).
The option models value positions at expiry; these tests pin the pre-expiry values the
docs compare them with and check the bounds the docs state on every reference row.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from solvent.errors import ModelParameterError
from solvent.models.option_pricing import black_scholes, time_value_bound, value_bounds

# E1: number, type, K, S, q, r, T, sigma, value
HAUG = [
    ("1", "C", "65", "60", "0.00", "0.08", "0.25", "0.30", "2.1334"),
    ("2", "P", "95", "100", "0.05", "0.10", "0.50", "0.20", "2.4648"),
    ("3", "P", "19", "19", "0.10", "0.10", "0.75", "0.28", "1.7011"),
    ("4", "C", "19", "19", "0.10", "0.10", "0.75", "0.28", "1.7011"),
    ("5", "C", "1.60", "1.56", "0.08", "0.06", "0.50", "0.12", "0.0291"),
    ("6", "P", "70", "75", "0.05", "0.10", "0.50", "0.35", "4.0870"),
    ("7", "C", "100", "90", "0.10", "0.10", "0.10", "0.15", "0.0205"),
    ("8", "C", "100", "100", "0.10", "0.10", "0.10", "0.15", "1.8734"),
    ("9", "C", "100", "110", "0.10", "0.10", "0.10", "0.15", "9.9413"),
    ("10", "C", "100", "90", "0.10", "0.10", "0.10", "0.25", "0.3150"),
    ("11", "C", "100", "100", "0.10", "0.10", "0.10", "0.25", "3.1217"),
    ("12", "C", "100", "110", "0.10", "0.10", "0.10", "0.25", "10.3556"),
    ("13", "C", "100", "90", "0.10", "0.10", "0.10", "0.35", "0.9474"),
    ("14", "C", "100", "100", "0.10", "0.10", "0.10", "0.35", "4.3693"),
    ("15", "C", "100", "110", "0.10", "0.10", "0.10", "0.35", "11.1381"),
    ("16", "C", "100", "90", "0.10", "0.10", "0.50", "0.15", "0.8069"),
    ("17", "C", "100", "100", "0.10", "0.10", "0.50", "0.15", "4.0232"),
    ("18", "C", "100", "110", "0.10", "0.10", "0.50", "0.15", "10.5769"),
    ("19", "C", "100", "90", "0.10", "0.10", "0.50", "0.25", "2.7026"),
    ("20", "C", "100", "100", "0.10", "0.10", "0.50", "0.25", "6.6997"),
    ("21", "C", "100", "110", "0.10", "0.10", "0.50", "0.25", "12.7857"),
    ("22", "C", "100", "90", "0.10", "0.10", "0.50", "0.35", "4.9329"),
    ("23", "C", "100", "100", "0.10", "0.10", "0.50", "0.35", "9.3679"),
    ("24", "C", "100", "110", "0.10", "0.10", "0.50", "0.35", "15.3086"),
    ("25", "P", "100", "90", "0.10", "0.10", "0.10", "0.15", "9.9210"),
    ("26", "P", "100", "100", "0.10", "0.10", "0.10", "0.15", "1.8734"),
    ("27", "P", "100", "110", "0.10", "0.10", "0.10", "0.15", "0.0408"),
    ("28", "P", "100", "90", "0.10", "0.10", "0.10", "0.25", "10.2155"),
    ("29", "P", "100", "100", "0.10", "0.10", "0.10", "0.25", "3.1217"),
    ("30", "P", "100", "110", "0.10", "0.10", "0.10", "0.25", "0.4551"),
    ("31", "P", "100", "90", "0.10", "0.10", "0.10", "0.35", "10.8479"),
    ("32", "P", "100", "100", "0.10", "0.10", "0.10", "0.35", "4.3693"),
    ("33", "P", "100", "110", "0.10", "0.10", "0.10", "0.35", "1.2376"),
    ("34", "P", "100", "90", "0.10", "0.10", "0.50", "0.15", "10.3192"),
    ("35", "P", "100", "100", "0.10", "0.10", "0.50", "0.15", "4.0232"),
    ("36", "P", "100", "110", "0.10", "0.10", "0.50", "0.15", "1.0646"),
    ("37", "P", "100", "90", "0.10", "0.10", "0.50", "0.25", "12.2149"),
    ("38", "P", "100", "100", "0.10", "0.10", "0.50", "0.25", "6.6997"),
    ("39", "P", "100", "110", "0.10", "0.10", "0.50", "0.25", "3.2734"),
    ("40", "P", "100", "90", "0.10", "0.10", "0.50", "0.35", "14.4452"),
    ("41", "P", "100", "100", "0.10", "0.10", "0.50", "0.35", "9.3679"),
    ("42", "P", "100", "110", "0.10", "0.10", "0.50", "0.35", "5.7963"),
    ("43", "C", "40", "42", "0.08", "0.04", "0.75", "0.35", "5.0975"),
]


@pytest.mark.parametrize("row", HAUG, ids=[f"haug-{r[0]}" for r in HAUG])
def test_haug_values(row: tuple[str, ...]) -> None:
    _, kind, k, s, q, r, t, sigma, value = row
    got = black_scholes(kind, s, k, r, q, t, sigma)
    assert abs(got - float(value)) <= 1e-4, (row, got)


def test_hull_example_15_6_to_the_cent() -> None:
    # E2: S = 42, K = 40, r = 0.10, sigma = 0.20, T = 0.5, q = 0 -> call 4.76, put 0.81
    call = black_scholes("call", "42", "40", "0.10", "0", "0.5", "0.20")
    put = black_scholes("put", "42", "40", "0.10", "0", "0.5", "0.20")
    assert round(call, 2) == 4.76 and round(put, 2) == 0.81
    assert abs(call - 4.759422) < 1e-6 and abs(put - 0.808599) < 1e-6


@pytest.mark.parametrize("row", HAUG, ids=[f"bounds-{r[0]}" for r in HAUG])
def test_bounds_hold_on_reference_rows(row: tuple[str, ...]) -> None:
    """intrinsic (of the forward) <= BS value <= intrinsic + vega bound, and the
    no-arbitrage upper bound, on every E1 row."""
    _, kind, k, s, q, r, t, sigma, _value = row
    got = black_scholes(kind, s, k, r, q, t, sigma)
    dq = Fraction(math.exp(-float(q) * float(t)))
    dr = Fraction(math.exp(-float(r) * float(t)))
    low, high = value_bounds(kind, s, k, dr, dq)
    assert float(low) - 1e-9 <= got <= float(high) + 1e-9
    assert got <= float(low) + time_value_bound(s, q, t, sigma) + 1e-9


def test_vega_bound_is_tight_at_the_money_forward() -> None:
    # at K = forward (r = q = 0) the time value is S*(N(v/2) - N(-v/2)), within 1% of
    # the bound S*sigma*sqrt(T)/sqrt(2*pi); away from the money it is smaller
    atm = black_scholes("call", "100", "100", "0", "0", "0.5", "0.2")
    bound = time_value_bound("100", "0", "0.5", "0.2")
    assert atm <= bound and bound - atm < 0.01 * bound
    assert black_scholes("call", "100", "120", "0", "0", "0.5", "0.2") < 0.5 * bound


def test_expiry_value_is_intrinsic() -> None:
    assert black_scholes("call", "2100", "2000", "0.05", "0", "0", "0.5") == 100.0
    assert black_scholes("put", "2100", "2000", "0.05", "0", "0", "0.5") == 0.0


def test_bad_kind_is_refused() -> None:
    with pytest.raises(ModelParameterError, match="kind"):
        black_scholes("straddle", "1", "1", "0", "0", "1", "0.2")
    with pytest.raises(ModelParameterError, match="volatility"):
        black_scholes("call", "1", "1", "0", "0", "1", "-0.2")
