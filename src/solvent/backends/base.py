"""The closed primitive set and the backend protocol.

A backend is a table with one rule per primitive op (see ``OPS``). Adding a backend
means filling the table and passing ``solvent.testing.conformance``.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from solvent.lang.values import SIGNATURES

OPS: tuple[str, ...] = tuple(SIGNATURES)


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
