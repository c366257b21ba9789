"""The helpers spec authors call: choices, extrema, sums, logic, guards."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from solvent.errors import SpecError, user_location
from solvent.lang.guards import add_requires
from solvent.lang.values import BOOL, Value, apply, backend_of, lift, to_fraction


def when(cond: Any, then: Any, otherwise: Any) -> Any:
    """Return ``then`` where ``cond`` holds and ``otherwise`` elsewhere (a traced if-else)."""
    if isinstance(cond, bool):
        return then if cond else otherwise
    _need_traced_bool(cond, "sv.when")
    return apply("select", cond, then, otherwise)


def maximum(a: Any, b: Any, *more: Any) -> Any:
    """Largest of the arguments (traced ``max``)."""
    result = _ext("max", a, b)
    for x in more:
        result = _ext("max", result, x)
    return result


def minimum(a: Any, b: Any, *more: Any) -> Any:
    """Smallest of the arguments (traced ``min``)."""
    result = _ext("min", a, b)
    for x in more:
        result = _ext("min", result, x)
    return result


def _ext(op: str, a: Any, b: Any) -> Any:
    if not isinstance(a, Value) and not isinstance(b, Value):
        fa, fb = to_fraction(a), to_fraction(b)
        return max(fa, fb) if op == "max" else min(fa, fb)
    return apply(op, a, b)


def abs_(x: Any) -> Any:
    """Absolute value (the builtin ``abs`` works on traced values too)."""
    if isinstance(x, Value):
        return abs(x)
    return abs(to_fraction(x))


def sum_(values: Iterable[Any], start: Any = 0) -> Any:
    """Sum of numbers, e.g. ``sv.sum(s.size[a] for a in s.accounts)``."""
    total = start
    for v in values:
        total = total + v
    return total


def all_of(conds: Iterable[Any]) -> Any:
    """Conjunction of conditions (``True`` when empty)."""
    result: Any = True
    for c in conds:
        result = _and(result, c)
    return result


def any_of(conds: Iterable[Any]) -> Any:
    """Disjunction of conditions (``False`` when empty)."""
    result: Any = False
    for c in conds:
        result = _or(result, c)
    return result


def implies(a: Any, b: Any) -> Any:
    """``a`` implies ``b`` (``~a | b``)."""
    if isinstance(a, bool):
        return b if a else True
    _need_traced_bool(a, "sv.implies")
    return apply("or", apply("not", a), b)


def requires(cond: Any) -> None:
    """Enable the running action only where ``cond`` holds.

    The body still runs to its end; its writes commit only where every ``requires``
    held. Call it anywhere in a user action or a keeper.
    """
    if isinstance(cond, bool):
        if cond:
            return
        cond_v: Any = cond
    else:
        _need_traced_bool(cond, "sv.requires")
        cond_v = cond
    add_requires(cond_v, f"requires at {user_location()}")


def _junction(unit: bool, op: str, name: str) -> Callable[[Any, Any], Any]:
    """The backend's ``op`` ("and" with unit True, "or" with unit False) folded where an
    operand is a Python bool: the unit gives the other operand, the opposite decides it."""

    def combine(a: Any, b: Any) -> Any:
        if isinstance(a, bool) and isinstance(b, bool):
            return (a and b) if unit else (a or b)
        if isinstance(a, bool):
            a, b = b, a
        if isinstance(b, bool):
            _need_traced_bool(a, name)
            return a if b == unit else lift(not unit, like=a)
        return apply(op, a, b)

    return combine


_and = _junction(True, "and", "sv.all_of")
_or = _junction(False, "or", "sv.any_of")


def _need_traced_bool(x: Any, who: str) -> None:
    if not (isinstance(x, Value) and x.sort == BOOL):
        raise SpecError(
            f"{who} expects a condition (a comparison such as `x < y`, or a bool), "
            f"got {type(x).__name__}",
            where=user_location(),
        )
    backend_of(x)
