"""The concrete backend of fixed arithmetic: Python ints counting ``10**-decimals`` units.

The judge of fixed mode, stdlib only. A number ``x`` is held as the int ``x * 10**d``;
addition, comparison and selection are exact, and the rounding primitives are the
reference definitions of :mod:`solvent.lang.fixed`. Python ints never overflow: an
on-chain overflow bound is a property to state in the spec (a guard or an invariant),
not a silent wrap-around.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from typing import Any

from solvent.backends.base import PYTHON_RULES, Backend
from solvent.errors import FixedPointError, user_location
from solvent.lang.fixed import FIXED_OPS, MAX_DECIMALS, fixed_rule, floor_div
from solvent.lang.values import format_number


def check_decimals(decimals: Any) -> int:
    """Validate a ``decimals`` setting (an int from 0 to 36)."""
    if (
        isinstance(decimals, bool)
        or not isinstance(decimals, int)
        or not 0 <= decimals <= MAX_DECIMALS
    ):
        raise FixedPointError(
            f"decimals={decimals!r}: fixed arithmetic needs an int from 0 to {MAX_DECIMALS} "
            "(e.g. 18 for wei-style amounts, 6 for USDC)",
            where=user_location(),
        )
    return decimals


def to_units(q: Fraction, scale: int, decimals: int) -> int:
    """``q * scale`` as an int; a number off the ``10**-decimals`` grid is a spec error."""
    units = Fraction(q) * scale
    if units.denominator != 1:
        raise FixedPointError(
            f"{format_number(Fraction(q))} is not a multiple of 10^-{decimals}, so fixed "
            f"arithmetic with {decimals} decimals cannot hold it; round the literal, the "
            "parameter or the envelope bound to the grid, or raise `decimals`",
            where=user_location(),
        )
    return units.numerator


class FixedConcreteBackend(Backend):
    """Raw values are ints (numbers, in ``10**-decimals`` units) and Python bools."""

    fixed = True

    def __init__(self, decimals: int) -> None:
        self.decimals = check_decimals(decimals)
        self.scale = 10**decimals
        self.name = f"fixed-concrete({decimals})"
        scale = self.scale
        self.RULES = {
            **PYTHON_RULES,
            # reached only with an integer literal on one side (exact); floor otherwise
            "mul": lambda a, b: floor_div(a * b, scale),
            # `/` is refused in fixed specs; the op rounds down like div_down
            "div": fixed_rule("div_down", scale),
            **{op: fixed_rule(op, scale) for op in FIXED_OPS},
        }

    def const(self, q: Fraction) -> int:
        return to_units(q, self.scale, self.decimals)

    def const_bool(self, b: bool) -> bool:
        return bool(b)

    def number(self, raw: Any) -> Any:
        """The plain value (``Fraction`` or bool) of a raw value."""
        if isinstance(raw, bool):
            return raw
        return Fraction(raw, self.scale)

    def show(self, raw: Any) -> str:
        return str(raw) if isinstance(raw, bool) else format_number(Fraction(raw, self.scale))

    def conformance_harness(self) -> Any:
        from solvent.testing.fixed_harness import concrete_harness

        return concrete_harness(self)


@cache
def fixed_concrete(decimals: int) -> FixedConcreteBackend:
    """The (shared) concrete backend for ``decimals`` decimals."""
    return FixedConcreteBackend(decimals)
