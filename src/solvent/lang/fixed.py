"""Decimal fixed point: explicit rounding, defined once on Python ints.

A spec declared with ``sv.Spec(name, arithmetic="fixed", decimals=d)`` computes the way
on-chain code does: every number is an integer count of ``10**-d`` units, addition and
comparison are exact, and every product or quotient that can leave the grid names its
rounding direction:

=================  ===========================================  ========================
function           value (``S = 10**d``, ``A``, ``B`` raw ints)  Solidity analogue
=================  ===========================================  ========================
``mul_down(a, b)``  ``floor(A * B / S)``                          ``mulDivDown(a, b, S)``
``mul_up(a, b)``    ``ceil(A * B / S)``                           ``mulDivUp(a, b, S)``
``div_down(a, b)``  ``floor(A * S / B)``                          ``divWadDown``
``div_up(a, b)``    ``ceil(A * S / B)``                           ``divWadUp``
``div_trunc(a, b)`` ``trunc(A * S / B)`` (toward zero)            ``a * S / b`` on ``int256``
=================  ===========================================  ========================

Python's ``//`` floors, Solidity's ``/`` truncates toward zero and SMT-LIB's ``div`` is
Euclidean (the remainder is never negative); the three agree only on non-negative
operands. :func:`floor_div`, :func:`ceil_div` and :func:`trunc_div` below are the
reference definitions; the symbolic backend encodes the same three (see
``solvent.backends.fixed_symbolic``) and the conformance suite checks both on negative
operands. A zero divisor gives 0, and the enclosing action is disabled (the same
implicit ``requires(den != 0)`` as exact division).

In exact arithmetic (the default) the same functions are exact: ``mul_down(a, b)`` is
``a * b`` and ``div_up(a, b)`` is ``a / b``, so one model runs in both modes. In fixed
arithmetic, ``a * b`` is allowed only when one side is an integer literal (exact on the
grid) and ``a / b`` is refused: the spec must say which way it rounds.

This module uses only the standard library.
"""

from __future__ import annotations

from typing import Any

from solvent.errors import FixedPointError, user_location

FIXED_OPS: tuple[str, ...] = ("mul_down", "mul_up", "div_down", "div_up", "div_trunc")
"""The rounding primitives of fixed arithmetic (each backend of fixed mode has one rule each)."""

MAX_DECIMALS = 36


def floor_div(n: int, d: int) -> int:
    """``floor(n / d)``; 0 when ``d == 0``."""
    if d == 0:
        return 0
    return n // d


def ceil_div(n: int, d: int) -> int:
    """``ceil(n / d)``; 0 when ``d == 0``."""
    if d == 0:
        return 0
    return -((-n) // d)


def trunc_div(n: int, d: int) -> int:
    """``n / d`` rounded toward zero (C, Solidity, Rust); 0 when ``d == 0``."""
    if d == 0:
        return 0
    q = abs(n) // abs(d)
    return q if (n >= 0) == (d > 0) else -q


def fixed_rule(op: str, scale: int) -> Any:
    """The reference rule of ``op`` on raw ints at ``scale = 10**decimals``."""
    rules = {
        "mul_down": lambda a, b: floor_div(a * b, scale),
        "mul_up": lambda a, b: ceil_div(a * b, scale),
        "div_down": lambda a, b: floor_div(a * scale, b),
        "div_up": lambda a, b: ceil_div(a * scale, b),
        "div_trunc": lambda a, b: trunc_div(a * scale, b),
    }
    return rules[op]


# -- what spec code calls ---------------------------------------------------------------


def mul_down(a: Any, b: Any) -> Any:
    """``a * b`` rounded down (toward minus infinity) to the fixed-point grid."""
    return _fixed("mul_down", a, b)


def mul_up(a: Any, b: Any) -> Any:
    """``a * b`` rounded up (toward plus infinity) to the fixed-point grid."""
    return _fixed("mul_up", a, b)


def div_down(a: Any, b: Any) -> Any:
    """``a / b`` rounded down (toward minus infinity); ``b == 0`` disables the action."""
    return _fixed("div_down", a, b)


def div_up(a: Any, b: Any) -> Any:
    """``a / b`` rounded up (toward plus infinity); ``b == 0`` disables the action."""
    return _fixed("div_up", a, b)


def div_trunc(a: Any, b: Any) -> Any:
    """``a / b`` rounded toward zero (Solidity's ``/``); ``b == 0`` disables the action."""
    return _fixed("div_trunc", a, b)


def _fixed(op: str, a: Any, b: Any) -> Any:
    from solvent.lang.guards import implicit_requires
    from solvent.lang.values import Value, apply, backend_of, lift, to_fraction

    backend = backend_of(a, b)
    is_div = op.startswith("div")
    if backend is None:
        # static values (parameters, literals): exact, like any other static arithmetic
        fa, fb = to_fraction(a), to_fraction(b)
        if is_div:
            if fb == 0:
                raise FixedPointError(
                    f"sv.{op}({a!r}, {b!r}) divides a static value by zero", where=user_location()
                )
            return fa / fb
        return fa * fb
    if not getattr(backend, "fixed", False):
        # exact arithmetic: no rounding to do
        if is_div:
            return lift(a, backend=backend) / b
        return lift(a, backend=backend) * lift(b, backend=backend)
    if is_div:
        den = lift(b, backend=backend)
        implicit_requires(apply("not", apply("eq", den, 0)), reason="division by zero")
        return apply(op, a, den)
    assert isinstance(a, Value) or isinstance(b, Value)
    return apply(op, a, b)
