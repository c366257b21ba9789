"""The symbolic backend of fixed arithmetic: Z3 ``Int`` terms in ``10**-decimals`` units.

SMT-LIB's integer ``div`` is Euclidean (``n = d*q + r`` with ``0 <= r < |d|``): for a
positive divisor it floors, for a negative one it rounds the other way. The three
roundings of :mod:`solvent.lang.fixed` are therefore encoded once here, on top of it:

- ``floor(n/d)  = n div d`` if ``d > 0``, ``(-n) div (-d)`` if ``d < 0``
- ``ceil(n/d)   = -floor(-n/d)``
- ``trunc(n/d)  = floor(n/d)`` if ``n`` and ``d`` have the same sign, else ``ceil(n/d)``

and every one is 0 when ``d = 0`` (as in the concrete judge). A constant positive divisor
(the scale ``10**d``) skips the case split, which keeps products linear-plus-``div`` terms
Z3 handles well.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from typing import Any

import z3

from solvent.backends.base import Backend
from solvent.backends.fixed import check_decimals, to_units
from solvent.backends.symbolic import SymbolicBackend
from solvent.lang.values import format_number


def _int_const(term: Any) -> int | None:
    return term.as_long() if z3.is_int_value(term) else None


def floor_div(n: Any, d: Any) -> Any:
    """``floor(n / d)`` on Z3 Ints; 0 when ``d == 0``."""
    k = _int_const(d)
    if k is not None:
        if k == 0:
            return z3.IntVal(0)
        return n / k if k > 0 else (-n) / (-k)  # `/` on Z3 Ints is SMT-LIB div
    return z3.If(d > 0, n / d, z3.If(d < 0, (-n) / (-d), z3.IntVal(0)))


def ceil_div(n: Any, d: Any) -> Any:
    """``ceil(n / d)`` on Z3 Ints; 0 when ``d == 0``."""
    return -floor_div(-n, d)


def trunc_div(n: Any, d: Any) -> Any:
    """``n / d`` rounded toward zero on Z3 Ints; 0 when ``d == 0``."""
    k = _int_const(d)
    if k is not None and k > 0:
        return z3.If(n >= 0, floor_div(n, d), ceil_div(n, d))
    same_sign = (n >= 0) == (d > 0)
    return z3.If(same_sign, floor_div(n, d), ceil_div(n, d))


def _mul(scale: int, rounding: Any) -> Any:
    def rule(a: Any, b: Any) -> Any:
        # a product by a constant on the grid's integers is exact: keep it linear
        for x, y in ((a, b), (b, a)):
            k = _int_const(x)
            if k is not None and k % scale == 0:
                return y * (k // scale)
        return rounding(a * b, z3.IntVal(scale))

    return rule


def _div(scale: int, rounding: Any) -> Any:
    return lambda a, b: rounding(a * scale, b)


class FixedSymbolicBackend(Backend):
    """Raw values are Z3 Int terms (numbers, in ``10**-decimals`` units) and Z3 Bools."""

    fixed = True

    def __init__(self, decimals: int) -> None:
        self.decimals = check_decimals(decimals)
        self.scale = scale = 10**decimals
        self.name = f"fixed-symbolic({decimals})"
        base = SymbolicBackend.RULES
        self.RULES = {
            "add": base["add"],
            "sub": base["sub"],
            "mul": _mul(scale, floor_div),
            "div": _div(scale, floor_div),
            "neg": base["neg"],
            "lt": base["lt"],
            "le": base["le"],
            "eq": base["eq"],
            "max": base["max"],
            "min": base["min"],
            "and": base["and"],
            "or": base["or"],
            "not": base["not"],
            "select": base["select"],
            "mul_down": _mul(scale, floor_div),
            "mul_up": _mul(scale, ceil_div),
            "div_down": _div(scale, floor_div),
            "div_up": _div(scale, ceil_div),
            "div_trunc": _div(scale, trunc_div),
        }

    def const(self, q: Fraction) -> Any:
        return z3.IntVal(to_units(q, self.scale, self.decimals))

    def const_bool(self, b: bool) -> Any:
        return z3.BoolVal(bool(b))

    def var(self, name: str) -> Any:
        """A fresh number variable (an Int in grid units)."""
        return z3.Int(name)

    def number(self, raw: Any) -> Any:
        """Plain value of a Z3 numeral (``Fraction`` in decimal units) or boolean."""
        if z3.is_true(raw):
            return True
        if z3.is_false(raw):
            return False
        return Fraction(raw.as_long(), self.scale)

    def show(self, raw: Any) -> str:
        if z3.is_int_value(raw):
            return format_number(Fraction(raw.as_long(), self.scale))
        return str(raw)

    def conformance_harness(self) -> Any:
        from solvent.testing.fixed_harness import symbolic_harness

        return symbolic_harness(self)


@cache
def fixed_symbolic(decimals: int) -> FixedSymbolicBackend:
    """The symbolic backend for ``decimals`` decimals (one per Z3 context is not needed:
    its rules build terms in whatever context is current)."""
    return FixedSymbolicBackend(decimals)
