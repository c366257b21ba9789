"""Conformance harnesses for the fixed-point backends (see :mod:`solvent.testing.conformance`).

Plain values are decimal ``Fraction`` numbers on the backend's ``10**-decimals`` grid (and
bools); the judge is :class:`solvent.backends.fixed.FixedConcreteBackend`. The symbolic
backend's rules are also checked by the solver on free ``Int`` variables, so a rounding
encoding that only folds constants correctly cannot pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import z3

from solvent.backends.symbolic import literal_value
from solvent.testing.harness import (
    Case,
    Harness,
    PlainValue,
    z3_confirm,
)


def concrete_harness(backend: Any) -> Harness:
    """Raw ints in grid units and Python bools, read back with ``backend.number``."""

    def read(raw: Any) -> PlainValue:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int):
            return Fraction(raw, backend.scale)
        raise TypeError(f"raw value {raw!r} is a {type(raw).__name__}, not an int or a bool")

    return Harness(read=read, description=f"ints in units of 10^-{backend.decimals}")


def symbolic_harness(backend: Any) -> Harness:
    """Z3 Int terms in grid units, read back by ``z3.simplify`` and confirmed by the solver."""
    scale = backend.scale

    def read(raw: Any) -> PlainValue:
        term = z3.simplify(raw)
        value = None if z3.is_rational_value(term) else literal_value(term, scale)
        if value is not None:  # a bool or an Int numeral (a Real one is not a grid value)
            return value
        raise TypeError(f"term {raw} simplifies to {term}, not to an Int numeral or a bool")

    def numeral(value: PlainValue) -> Any:
        if isinstance(value, bool):
            return z3.BoolVal(value)
        units = Fraction(value) * scale
        if units.denominator != 1:
            raise ValueError(f"{value} is off the 10^-{backend.decimals} grid")
        return z3.IntVal(units.numerator)

    def confirm(
        backend: Any, op: str, cases: Sequence[Case], expected: Sequence[PlainValue]
    ) -> None:
        z3_confirm(backend, op, cases, expected, numeral=numeral, sort=z3.Int)

    return Harness(read=read, confirm=confirm, description="read back by z3.simplify (Int units)")
