"""Which backends run a spec: exact rationals (default) or decimal fixed point.

``sv.Spec(name, arithmetic="fixed", decimals=18)`` selects the fixed-point backends
(:mod:`solvent.backends.fixed`, :mod:`solvent.backends.fixed_symbolic`); every check
asks here instead of naming a backend, and reads results back with :func:`plain_value`
(the trace and the reports hold decimal numbers in both modes).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from solvent.backends.concrete import CONCRETE


def concrete_for(spec: Any) -> Any:
    """The concrete judge for ``spec``'s arithmetic."""
    if getattr(spec, "arithmetic", "exact") == "fixed":
        from solvent.backends.fixed import fixed_concrete

        return fixed_concrete(spec.decimals)
    return CONCRETE


def symbolic_for(spec: Any) -> Any:
    """The Z3 backend for ``spec``'s arithmetic."""
    if getattr(spec, "arithmetic", "exact") == "fixed":
        from solvent.backends.fixed_symbolic import fixed_symbolic

        return fixed_symbolic(spec.decimals)
    from solvent.backends.symbolic import SYMBOLIC

    return SYMBOLIC


def scale_of(spec: Any) -> int:
    """Units per 1 in the backends' raw numbers (1 in exact mode)."""
    if getattr(spec, "arithmetic", "exact") == "fixed":
        return 10**spec.decimals
    return 1


def number_var(spec: Any, name: str) -> Any:
    """A fresh Z3 number variable of ``spec``'s arithmetic (Real, or Int in grid units)."""
    import z3

    return z3.Int(name) if getattr(spec, "arithmetic", "exact") == "fixed" else z3.Real(name)


def number_const(spec: Any, q: Any) -> Any:
    """A Z3 numeral of ``spec``'s arithmetic for the plain number ``q``."""
    return symbolic_for(spec).const(Fraction(q))


def plain_value(backend: Any, raw: Any) -> Any:
    """A concrete backend's raw value as a plain ``Fraction`` or bool."""
    number = getattr(backend, "number", None)
    return number(raw) if number is not None else raw
