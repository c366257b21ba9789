"""The symbolic backend: Z3 terms over the reals (exact mode).

Numbers go to Z3 as exact rationals (never floats). Division is total: ``x / 0 = 0``,
matching the concrete backend; the enclosing action is disabled by the implicit guard.
"""

from __future__ import annotations

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


def _and(a: Any, b: Any) -> Any:
    if z3.is_true(a):
        return b
    if z3.is_true(b):
        return a
    if z3.is_false(a) or z3.is_false(b):
        return z3.BoolVal(False)
    return z3.And(a, b)


def _or(a: Any, b: Any) -> Any:
    if z3.is_false(a):
        return b
    if z3.is_false(b):
        return a
    if z3.is_true(a) or z3.is_true(b):
        return z3.BoolVal(True)
    return z3.Or(a, b)


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
