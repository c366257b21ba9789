"""Domains: where symbolic initial values, envelope draws and action arguments live."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Generic, TypeVar

from solvent.errors import EmptyDomainError, user_location
from solvent.lang.values import format_number, to_fraction

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Within:
    """A closed interval ``[lo, hi]`` of exact numbers."""

    lo: Fraction
    hi: Fraction
    where: str | None = None

    def __str__(self) -> str:
        return f"[{format_number(self.lo)}, {format_number(self.hi)}]"

    def contains(self, x: Fraction | int) -> bool:
        return self.lo <= x <= self.hi


@dataclass(frozen=True, slots=True)
class AnyBool:
    """A free boolean (symbolic initial flag or adversarial choice)."""

    where: str | None = None


def within(lo: Any, hi: Any) -> Within:
    """The closed interval ``[lo, hi]``: a symbolic value that may be anything in it.

    Bounds are exact literals (``"-0.08"``, ``3``, ``Decimal``); floats are refused.
    """
    where = user_location()
    flo = to_fraction(lo, what="lower bound")
    fhi = to_fraction(hi, what="upper bound")
    if flo > fhi:
        raise EmptyDomainError(
            f"within({format_number(flo)!r}, {format_number(fhi)!r}) is empty: the lower "
            "bound exceeds the upper bound; swap them",
            where=where,
        )
    return Within(flo, fhi, where)


def any_bool() -> AnyBool:
    """A boolean that may be either value (for symbolic initial state)."""
    return AnyBool(user_location())


class PerAccount(Generic[T]):
    """Annotation for a state field with one value per account: ``PerAccount[Num]``."""
