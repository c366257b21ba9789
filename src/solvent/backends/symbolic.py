"""The symbolic backend: Z3 terms over the reals (exact mode).

Numbers go to Z3 as exact rationals (never floats). Division is total: ``x / 0 = 0``,
matching the concrete backend; the enclosing action is disabled by the implicit guard.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import z3

from solvent.backends.base import OPERATOR_RULES, Backend


def _div(a: z3.ArithRef, b: z3.ArithRef) -> z3.ArithRef:
    if z3.is_rational_value(b):
        q = rational_of(b)
        if q == 0:
            return z3.RealVal(0)
        return a / b
    return z3.If(b == 0, z3.RealVal(0), a / b)


def _max(a: z3.ArithRef, b: z3.ArithRef) -> z3.ArithRef:
    return z3.If(a >= b, a, b)


def _min(a: z3.ArithRef, b: z3.ArithRef) -> z3.ArithRef:
    return z3.If(a <= b, a, b)


def _junction(unit: bool, combine: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``combine`` (``z3.And`` with unit True, ``z3.Or`` with unit False) folded where an
    operand is a constant: the unit gives the other operand, the opposite decides it."""
    is_unit, is_zero = (z3.is_true, z3.is_false) if unit else (z3.is_false, z3.is_true)

    def op(a: Any, b: Any) -> Any:
        if is_unit(a):
            return b
        if is_unit(b):
            return a
        if is_zero(a) or is_zero(b):
            return z3.BoolVal(not unit)
        return combine(a, b)

    return op


_and = _junction(True, z3.And)
_or = _junction(False, z3.Or)


def _not(a: Any) -> Any:
    if z3.is_true(a):
        return z3.BoolVal(False)
    if z3.is_false(a):
        return z3.BoolVal(True)
    return z3.Not(a)


def _select(c: Any, a: Any, b: Any) -> Any:
    if z3.is_true(c):
        return a
    if z3.is_false(c):
        return b
    if a.eq(b):
        return a
    return z3.If(c, a, b)


def rational_of(term: Any) -> Fraction:
    """Exact value of a Z3 rational numeral."""
    if z3.is_int_value(term):
        return Fraction(term.as_long())
    return Fraction(term.numerator_as_long(), term.denominator_as_long())


def literal_value(term: Any, scale: int = 1) -> Fraction | bool | None:
    """Exact value of a Z3 literal (bool or rational numeral); None for anything else.

    Int numerals are fixed-point raw units when ``scale`` (``10**decimals``) is given.
    """
    if z3.is_true(term):
        return True
    if z3.is_false(term):
        return False
    if z3.is_int_value(term):
        return Fraction(term.as_long(), scale)
    if z3.is_rational_value(term):
        return rational_of(term)
    return None


def z3_num(q: Fraction) -> z3.ArithRef:
    q = Fraction(q)
    return z3.Q(q.numerator, q.denominator) if q.denominator != 1 else z3.RealVal(q.numerator)


class SymbolicBackend(Backend):
    name = "symbolic"
    RULES = {
        **OPERATOR_RULES,
        "div": _div,
        "max": _max,
        "min": _min,
        "and": _and,
        "or": _or,
        "not": _not,
        "select": _select,
    }

    def const(self, q: Fraction) -> z3.ArithRef:
        return z3_num(q)

    def const_bool(self, b: bool) -> z3.BoolRef:
        return z3.BoolVal(bool(b))

    def show(self, raw: Any) -> str:
        return str(raw)


SYMBOLIC = SymbolicBackend()
