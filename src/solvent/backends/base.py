"""The closed primitive set and the backend protocol.

A backend is a table with one rule per primitive op (see ``OPS``). Adding a backend
means filling the table and passing ``solvent.testing.conformance``. The cases every
arithmetic writes the same way are written once here: ``OPERATOR_RULES`` (Python's
operators, for any values that overload them: ``Fraction``, integer units, Z3 terms) and
``PYTHON_RULES`` (those plus the rules of plain Python values); the boolean rules of NumPy
lanes are ``LANE_LOGIC_RULES`` of :mod:`solvent.backends.vector`. Each backend's table adds
or replaces the rest.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from solvent.lang.values import SIGNATURES

OPS: tuple[str, ...] = tuple(SIGNATURES)

OPERATOR_RULES: dict[str, Callable[..., Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "neg": operator.neg,
    "lt": operator.lt,
    "le": operator.le,
    "eq": operator.eq,
}

PYTHON_RULES: dict[str, Callable[..., Any]] = {
    **OPERATOR_RULES,
    "max": lambda a, b: a if a >= b else b,
    "min": lambda a, b: a if a <= b else b,
    "and": lambda a, b: a and b,
    "or": lambda a, b: a or b,
    "not": lambda a: not a,
    "select": lambda c, a, b: a if c else b,
}


class Backend:
    """Base class: subclasses define ``name`` and ``RULES`` (op -> callable on raw values)."""

    name = "abstract"
    RULES: dict[str, Callable[..., Any]] = {}

    def rule(self, op: str) -> Callable[..., Any]:
        try:
            return self.RULES[op]
        except KeyError:
            raise NotImplementedError(
                f"backend {self.name!r} has no rule for primitive op {op!r}"
            ) from None

    def const(self, q: Fraction) -> Any:
        raise NotImplementedError(f"backend {self.name!r} has no rule for op 'const'")

    def const_bool(self, b: bool) -> Any:
        raise NotImplementedError(f"backend {self.name!r} has no rule for op 'const_bool'")

    def show(self, raw: Any) -> str:
        return str(raw)
