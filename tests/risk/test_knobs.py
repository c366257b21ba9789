"""Knobs (what a frontier varies) and the short-decimal probe values."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from risk_specs import perp, window

import solvent as sv
from solvent import Num
from solvent.check.knobs import (
    DOWN,
    ENVELOPE,
    HI,
    LO,
    MAGNITUDE,
    PARAM,
    UP,
    envelope_knob,
    midpoint,
    param_knob,
    simplest,
)
from solvent.errors import UsageError


def test_symmetric_bound_is_its_magnitude() -> None:
    k = envelope_knob(perp(), "move")
    assert (k.kind, k.target, k.side, k.current) == (ENVELOPE, "move", MAGNITUDE, Fraction(8, 100))
    assert k.widening() == UP
    assert k.describe(Fraction(1, 20)) == "|move| ≤ 0.05"
    spec = k.apply(perp(), Fraction(1, 20))
    assert (spec.bounds["move"].lo, spec.bounds["move"].hi) == (Fraction(-1, 20), Fraction(1, 20))


def test_sides_and_their_conservative_ends() -> None:
    spec = perp()
    hi, lo = envelope_knob(spec, "move.hi"), envelope_knob(spec, "move.lo")
    assert (hi.side, hi.widening(), hi.natural_start(spec, UP)) == (HI, UP, Fraction(-8, 100))
    assert (lo.side, lo.widening(), lo.natural_start(spec, DOWN)) == (LO, DOWN, Fraction(8, 100))
    assert lo.natural_start(spec, UP) is None  # narrowing has no natural start
    assert hi.admissible(spec, Fraction(-1)) is not None
    assert lo.describe(Fraction(-1, 10)) == "move ≥ -0.1"


def test_one_sided_bound_by_bare_name_is_its_upper_end() -> None:
    spec = sv.Spec("delay", accounts=1)

    @spec.envelope
    class Market:
        delay: Num = sv.within("0", "3")

    assert envelope_knob(spec, "delay").name == "delay.hi"


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("nope", "unknown envelope bound 'nope'"),
        ("maintenance_margin", "use `solvent synth"),
        ("move.mid", "must be lo or hi"),
        ("", "give the envelope bound"),
    ],
)
def test_bad_envelope_names(name: str, needle: str) -> None:
    with pytest.raises(UsageError, match=needle.replace("(", r"\(").replace("`", ".")):
        envelope_knob(perp(), name)


def test_asymmetric_bound_needs_a_side() -> None:
    spec = sv.Spec("asym", accounts=1)

    @spec.envelope
    class Market:
        move: Num = sv.within("-0.05", "0.08")

    with pytest.raises(UsageError, match="not symmetric"):
        envelope_knob(spec, "move")


def test_param_knobs() -> None:
    k = param_knob(perp(), "maintenance_margin")
    assert (k.kind, k.current, k.integer, k.widening()) == (PARAM, Fraction(8, 100), False, None)
    assert k.apply(perp(), Fraction(1, 10)).param_values().maintenance_margin == Fraction(1, 10)
    with pytest.raises(UsageError, match="is a bool"):
        param_knob(window(), "strict")
    with pytest.raises(UsageError, match="use `solvent frontier"):
        param_knob(perp(), "move")
    with pytest.raises(UsageError, match="unknown parameter 'nope'"):
        param_knob(perp(), "nope")


def test_simplest_prefers_short_decimals() -> None:
    assert simplest(Fraction(498, 10000), Fraction(51, 1000)) == Fraction(5, 100)
    assert simplest(Fraction(0), Fraction(16, 100)) == Fraction(0)
    assert simplest(Fraction(1, 20), Fraction(51, 1000), include_lo=False) == Fraction(51, 1000)


@given(
    st.fractions(min_value=-10, max_value=10),
    st.fractions(min_value=Fraction(1, 10**6), max_value=10),
)
def test_midpoint_stays_in_the_middle_quarter(lo: Fraction, width: Fraction) -> None:
    hi = lo + width
    m = midpoint(lo, hi)
    assert lo + width * 3 / 8 <= m <= lo + width * 5 / 8
