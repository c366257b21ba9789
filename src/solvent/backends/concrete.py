"""The concrete backend: exact rationals (``fractions.Fraction``) and Python bools.

This is the judge. It uses only the standard library so the reference semantics can be
audited without reading NumPy or Z3 code. Division by zero yields 0 (the enclosing
action is disabled by the implicit ``requires(den != 0)``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from solvent.backends.base import PYTHON_RULES, Backend
from solvent.lang.values import format_number


def _div(a: Fraction, b: Fraction) -> Fraction:
    return a / b if b != 0 else Fraction(0)


class ConcreteBackend(Backend):
    name = "concrete"
    RULES = {**PYTHON_RULES, "div": _div}

    def const(self, q: Fraction) -> Fraction:
        return Fraction(q)

    def const_bool(self, b: bool) -> bool:
        return bool(b)

    def show(self, raw: Any) -> str:
        return format_number(raw) if isinstance(raw, Fraction) else str(raw)


CONCRETE = ConcreteBackend()
