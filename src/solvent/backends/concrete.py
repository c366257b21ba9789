"""The concrete backend: exact rationals (``fractions.Fraction``) and Python bools.

This is the judge. It uses only the standard library so the reference semantics can be
audited without reading NumPy or Z3 code. Division by zero yields 0 (the enclosing
action is disabled by the implicit ``requires(den != 0)``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from solvent.backends.base import Backend
from solvent.lang.values import format_number


def _div(a: Fraction, b: Fraction) -> Fraction:
    return a / b if b != 0 else Fraction(0)


class ConcreteBackend(Backend):
    name = "concrete"
    RULES = {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": _div,
        "neg": lambda a: -a,
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
        "eq": lambda a, b: a == b,
        "max": lambda a, b: a if a >= b else b,
        "min": lambda a, b: a if a <= b else b,
        "and": lambda a, b: a and b,
        "or": lambda a, b: a or b,
        "not": lambda a: not a,
        "select": lambda c, a, b: a if c else b,
    }

    def const(self, q: Fraction) -> Fraction:
        return Fraction(q)

    def const_bool(self, b: bool) -> bool:
        return bool(b)

    def show(self, raw: Any) -> str:
        return format_number(raw) if isinstance(raw, Fraction) else str(raw)


CONCRETE = ConcreteBackend()
