"""The vector backend: NumPy float64 / bool lanes, one lane per simulated path.

A raw value is a NumPy array (or a NumPy scalar, which broadcasts): numbers are float64,
conditions are ``bool``. Guarded writes become masks: ``select`` is ``numpy.where``, so a
keeper's writes commit only in the lanes where it is enabled.

Float64 is an approximation of the exact (rational) semantics. The rule the conformance
suite checks is the IEEE-754 one: every op returns the exact result of the judge's op on
the inputs rounded to float64, itself rounded to nearest (comparisons and ``select`` are
exact on the rounded inputs). Division by zero gives 0 like the judge. Lanes that report
a violation are re-run on the concrete backend before anything is reported
(:mod:`solvent.stress`).

The rule table covers the exact-arithmetic ops. Fixed-point ops added to
:data:`solvent.lang.values.SIGNATURES` later get their int64 rules in a separate table;
until then :meth:`~solvent.backends.base.Backend.rule` names the missing op.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

import numpy as np

from solvent.backends.base import Backend


def _num(x: Any) -> Any:
    return np.asarray(x, dtype=np.float64) if not isinstance(x, np.floating) else x


def _div(a: Any, b: Any) -> Any:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    zero = b == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        q = a / np.where(zero, 1.0, b)
    return np.where(zero, 0.0, q)


def _max(a: Any, b: Any) -> Any:
    return np.where(np.asarray(a) >= np.asarray(b), a, b).astype(np.float64)


def _min(a: Any, b: Any) -> Any:
    return np.where(np.asarray(a) <= np.asarray(b), a, b).astype(np.float64)


def _select(c: Any, a: Any, b: Any) -> Any:
    return np.where(c, a, b)


# the boolean rules of NumPy lanes (float64 and fixed-point lanes alike)
LANE_LOGIC_RULES: dict[str, Callable[..., Any]] = {
    "and": np.logical_and,
    "or": np.logical_or,
    "not": np.logical_not,
    "select": _select,
}

EXACT_RULES: dict[str, Callable[..., Any]] = {
    "add": lambda a, b: np.add(a, b, dtype=np.float64),
    "sub": lambda a, b: np.subtract(a, b, dtype=np.float64),
    "mul": lambda a, b: np.multiply(a, b, dtype=np.float64),
    "div": _div,
    "neg": lambda a: np.negative(_num(a)),
    "lt": lambda a, b: np.less(a, b),
    "le": lambda a, b: np.less_equal(a, b),
    "eq": lambda a, b: np.equal(a, b),
    "max": _max,
    "min": _min,
    **LANE_LOGIC_RULES,
}
"""One rule per exact-arithmetic primitive op (see the module docstring)."""


class VectorBackend(Backend):
    """NumPy lanes: float64 numbers, bool conditions, masks for guards."""

    name = "vector"
    RULES = dict(EXACT_RULES)

    def const(self, q: Fraction) -> Any:  # a lane value: float64 here, Bounded below
        return np.float64(float(Fraction(q)))

    def const_bool(self, b: bool) -> np.bool_:
        return np.bool_(bool(b))

    def show(self, raw: Any) -> str:
        return np.array2string(np.asarray(raw), threshold=8)

    def conformance_harness(self) -> Any:
        from solvent.testing.harness import Harness

        return Harness(
            pack=_pack,
            unpack=_unpack,
            agree=float64_agree,
            batch=16,
            description="float64 lanes, IEEE round-to-nearest of the rounded inputs",
        )


VECTOR = VectorBackend()


# -- conformance: how float64 lanes are read back and what "agree" means ------------------


def _pack(values: Sequence[Fraction | bool]) -> np.ndarray:
    if values and isinstance(values[0], bool):
        return np.array(values, dtype=bool)
    return np.array([float(v) for v in values], dtype=np.float64)


def _unpack(raw: Any, lanes: int) -> list[Fraction | bool]:
    arr = np.broadcast_to(np.asarray(raw), (lanes,))
    if arr.dtype == bool:
        return [bool(x) for x in arr]
    if arr.dtype != np.float64:
        raise TypeError(f"vector lanes of dtype {arr.dtype}, expected float64 or bool")
    return [Fraction(float(x)) for x in arr]


def _round(x: Fraction | bool) -> Fraction | bool:
    return x if isinstance(x, bool) else Fraction(float(x))


def float64_reference(op: str, case: Sequence[Fraction | bool]) -> Fraction | bool:
    """What an IEEE-754 binary64 implementation of ``op`` must return on ``case``.

    The inputs are rounded to the nearest float64, the judge's exact op is applied, and a
    numeric result is rounded to the nearest float64 again (``float(Fraction)`` rounds
    correctly). This is exactly what IEEE add/sub/mul/div do; max, min, comparisons and
    select are exact on the rounded inputs.
    """
    from solvent.backends.concrete import CONCRETE

    if op == "const":
        return _round(case[0])
    if op == "const_bool":
        return bool(case[0])
    got = CONCRETE.rule(op)(*(_round(v) for v in case))
    return _round(got)


def float64_agree(op: str, case: Any, expected: Any, got: Any) -> bool:
    """Agreement for float64 lanes: the same sort, and the value IEEE-754 prescribes."""
    want = float64_reference(op, case)
    if isinstance(want, bool):
        return isinstance(got, bool) and got == want
    if isinstance(got, bool) or not isinstance(got, Fraction):
        return False
    if got != want:
        return False
    # when the inputs are exact in float64 and so is the judge's result, they must match
    exact_inputs = all(isinstance(v, bool) or _round(v) == v for v in case)
    if exact_inputs and not isinstance(expected, bool) and _round(expected) == expected:
        return got == expected
    return True


# -- float64 lanes with rigorous error bounds (stress: which decisions are certain) -------


class Bounded:
    """A float64 lane array ``v`` with ``e``, a rigorous bound on ``|v - exact|``."""

    __slots__ = ("v", "e")

    def __init__(self, v: Any, e: Any) -> None:
        self.v = v
        self.e = e

    def __repr__(self) -> str:
        return f"Bounded({self.v!r}, {self.e!r})"


class BoundedVectorBackend(VectorBackend):
    """The vector backend's float64 numbers, each with its error bound (:class:`Bounded`).

    The values are bit for bit those of :data:`VECTOR`; beside them every number carries
    the bound of :mod:`solvent.stress.bounds`, and every decision (``<``, ``<=``, ``==``
    and a division's ``b != 0``) whose operands are closer than their bounds marks its
    lanes in :attr:`unsure` (reset per block with :meth:`reset`): those lanes go to the
    exact judge. Conditions stay plain ``bool`` arrays. Inside :meth:`only` a decision
    marks only the lanes of its mask (a user action's body, computed on every lane, counts
    only on the lanes that chose it: the others discard its results).
    """

    name = "vector-bounded"

    def __init__(self) -> None:
        from solvent.stress import bounds as B

        self.unsure: Any = np.False_
        self.scope: Any = None  # the lanes whose decisions count (None: every lane)

        def num(x: Any) -> Bounded:
            return x if isinstance(x, Bounded) else Bounded(_num(x), 0.0)

        def add(a: Bounded, b: Bounded) -> Bounded:
            v = np.add(a.v, b.v, dtype=np.float64)
            return Bounded(v, B.e_add(a.v, b.v, v, a.e, b.e))

        def sub(a: Bounded, b: Bounded) -> Bounded:
            v = np.subtract(a.v, b.v, dtype=np.float64)
            return Bounded(v, B.e_add(a.v, np.negative(b.v), v, a.e, b.e))

        def mul(a: Bounded, b: Bounded) -> Bounded:
            v = np.multiply(a.v, b.v, dtype=np.float64)
            return Bounded(v, B.e_mul(a.v, b.v, v, a.e, b.e))

        def div(a: Bounded, b: Bounded) -> Bounded:
            v = _div(a.v, b.v)
            e, ok = B.e_div(a.v, b.v, v, a.e, b.e)
            self.mark(ok)
            return Bounded(v, e)

        def compare(test: Callable[[Any, Any], Any]) -> Callable[..., Any]:
            def rule(a: Bounded, b: Bounded) -> Any:
                self.mark(B.decided(a.v, b.v, a.e, b.e))
                return test(a.v, b.v)

            return rule

        def extreme(pick: Callable[[Any, Any], Any], upper: bool) -> Callable[..., Any]:
            def rule(a: Bounded, b: Bounded) -> Bounded:
                return Bounded(pick(a.v, b.v), B.e_max(a.v, b.v, a.e, b.e, upper))

            return rule

        def select(c: Any, a: Any, b: Any) -> Any:
            if isinstance(a, Bounded) or isinstance(b, Bounded):
                a, b = num(a), num(b)
                return Bounded(np.where(c, a.v, b.v), np.where(c, a.e, b.e))
            return np.where(c, a, b)

        self.RULES = dict(EXACT_RULES)
        self.RULES.update(
            add=add, sub=sub, mul=mul, div=div,
            neg=lambda a: Bounded(np.negative(_num(a.v)), a.e),
            lt=compare(np.less), le=compare(np.less_equal), eq=compare(np.equal),
            max=extreme(_max, True), min=extreme(_min, False), select=select,
        )  # fmt: skip

    def reset(self, n: int) -> None:
        self.unsure = np.zeros(n, dtype=bool)

    def mark(self, decided: Any) -> None:
        """Record the lanes where a decision was not certain (within :meth:`only`'s mask)."""
        undecided = ~np.asarray(decided, dtype=bool)
        if self.scope is not None:
            undecided = undecided & self.scope
        self.unsure = self.unsure | undecided

    @contextmanager
    def only(self, lanes: Any) -> Iterator[None]:
        """Count the decisions made inside only on ``lanes`` (a bool lane mask): the
        others' results are discarded by the caller, so their decisions settle nothing."""
        outer = self.scope
        mask = np.asarray(lanes, dtype=bool)
        self.scope = mask if outer is None else (outer & mask)
        try:
            yield
        finally:
            self.scope = outer

    def const(self, q: Fraction) -> Bounded:
        from solvent.stress.bounds import literal_error

        return Bounded(np.float64(float(Fraction(q))), literal_error(q))

    def show(self, raw: Any) -> str:
        if isinstance(raw, Bounded):
            return np.array2string(np.asarray(raw.v), threshold=8)
        return super().show(raw)
