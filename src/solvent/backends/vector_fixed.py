"""The vector backend of fixed arithmetic: int64 lanes with per-lane overflow detection.

A raw number is a NumPy ``int64`` array of grid units (``x * 10**decimals``); conditions
are ``bool`` arrays. NumPy wraps int64 arithmetic silently, so every rule also computes
which lanes overflowed (an input, an intermediate product ``A * B`` or ``A * 10**d``, or
the result outside int64) and ORs them into :attr:`FixedVectorBackend.overflow`. A lane
in that mask holds garbage: it must be re-run on the concrete judge (Python ints) or
reported inconclusive, never used as is. Lanes outside the mask agree exactly with the
judge (:mod:`solvent.backends.fixed`), which the conformance suite checks.

The roundings follow :mod:`solvent.lang.fixed`: ``np.floor_divide`` floors like Python;
ceil and trunc are built from it. A zero divisor gives 0.

``solvent stress`` runs fixed-point specs on this table (:mod:`solvent.stress.lanes`,
:mod:`solvent.stress.grid`): one backend per run, :attr:`overflow` reset per block with
:meth:`reset`, and the lanes it flags re-run on the concrete judge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from solvent.backends.base import Backend
from solvent.backends.fixed import check_decimals, to_units
from solvent.backends.vector import LANE_LOGIC_RULES
from solvent.errors import FixedPointError

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def _i(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def _floor(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    zero = d == 0
    q = np.floor_divide(n, np.where(zero, 1, d))
    return np.where(zero, 0, q).astype(np.int64)


def _ceil(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    # not -floor(-n, d): negating INT64_MIN wraps (the conformance suite caught that)
    zero = d == 0
    safe = np.where(zero, 1, d)
    q = np.floor_divide(n, safe) + (np.remainder(n, safe) != 0)
    return np.where(zero, 0, q).astype(np.int64)


def _trunc(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    same = (n >= 0) == (d > 0)
    return np.where(same, _floor(n, d), _ceil(n, d)).astype(np.int64)


def _mul_overflows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Lanes where ``a * b`` leaves int64 (checked without computing the product)."""
    a, b = np.broadcast_arrays(a, b)
    zero = (a == 0) | (b == 0)
    a_min, b_min = a == INT64_MIN, b == INT64_MIN
    edge = (a_min & (b != 1)) | (b_min & (a != 1))
    safe_a = np.abs(np.where(a_min | b_min, 1, a))
    safe_b = np.abs(np.where(a_min | b_min, 1, b))
    big = safe_a > np.floor_divide(INT64_MAX, np.where(safe_b == 0, 1, safe_b))
    return ~zero & (edge | big)


class FixedVectorBackend(Backend):
    """int64 lanes in ``10**-decimals`` units; :attr:`overflow` marks lanes to re-run."""

    fixed = True

    def __init__(self, decimals: int) -> None:
        self.decimals = check_decimals(decimals)
        self.scale = 10**decimals
        if self.scale > INT64_MAX:
            raise FixedPointError(
                f"decimals={decimals}: one unit of 10^{decimals} does not fit int64; the vector "
                "backend handles at most 18 decimals"
            )
        self.name = f"fixed-vector({decimals})"
        self.overflow: Any = np.False_
        s = np.int64(self.scale)
        self.RULES: dict[str, Callable[..., Any]] = {
            "add": self._add,
            "sub": self._sub,
            "mul": self._mul(_floor),
            "div": self._div(_floor),
            "neg": self._neg,
            "lt": lambda a, b: np.less(_i(a), _i(b)),
            "le": lambda a, b: np.less_equal(_i(a), _i(b)),
            "eq": lambda a, b: np.equal(_i(a), _i(b)),
            "max": lambda a, b: np.where(_i(a) >= _i(b), _i(a), _i(b)).astype(np.int64),
            "min": lambda a, b: np.where(_i(a) <= _i(b), _i(a), _i(b)).astype(np.int64),
            **LANE_LOGIC_RULES,
            "mul_down": self._mul(_floor),
            "mul_up": self._mul(_ceil),
            "div_down": self._div(_floor),
            "div_up": self._div(_ceil),
            "div_trunc": self._div(_trunc),
        }
        self._s = s

    # -- overflow bookkeeping ---------------------------------------------------------------
    def reset(self) -> None:
        """Forget the overflow mask (call per chunk of lanes)."""
        self.overflow = np.False_

    def _flag(self, lanes: Any) -> None:
        self.overflow = np.logical_or(self.overflow, lanes)

    # -- rules ------------------------------------------------------------------------------
    def _add(self, a: Any, b: Any) -> np.ndarray:
        return self._wrapping(a, b, subtract=False)

    def _sub(self, a: Any, b: Any) -> np.ndarray:
        return self._wrapping(a, b, subtract=True)

    def _wrapping(self, a: Any, b: Any, *, subtract: bool) -> np.ndarray:
        """``a + b`` or ``a - b`` in int64, flagging the lanes that wrapped: the result's
        sign differs from ``a``'s and from ``b``'s (a sum) or ``a``'s and ``b``'s differ
        (a difference)."""
        a, b = _i(a), _i(b)
        with np.errstate(over="ignore"):
            r = np.subtract(a, b) if subtract else np.add(a, b)
        self._flag((((a ^ b) if subtract else (b ^ r)) & (a ^ r)) < 0)
        return r

    def _neg(self, a: Any) -> np.ndarray:
        a = _i(a)
        self._flag(a == INT64_MIN)
        with np.errstate(over="ignore"):
            return np.negative(a)

    def _mul(self, rounding: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[..., Any]:
        def rule(a: Any, b: Any) -> np.ndarray:
            a, b = _i(a), _i(b)
            over = _mul_overflows(a, b)
            self._flag(over)
            with np.errstate(over="ignore"):
                prod = np.multiply(np.where(over, 0, a), np.where(over, 0, b))
            return rounding(prod, np.broadcast_to(self._s, prod.shape))

        return rule

    def _div(self, rounding: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[..., Any]:
        def rule(a: Any, b: Any) -> np.ndarray:
            a, b = _i(a), _i(b)
            over = _mul_overflows(a, np.broadcast_to(self._s, a.shape))
            self._flag(over)
            with np.errstate(over="ignore"):
                num = np.multiply(np.where(over, 0, a), self._s)
            # INT64_MIN / -1 is the one quotient of two int64 that leaves int64
            wrap = (num == INT64_MIN) & (b == -1)
            self._flag(wrap)
            return rounding(np.where(wrap, 0, num), np.where(wrap, 1, b))

        return rule

    # -- constants --------------------------------------------------------------------------
    def const(self, q: Fraction) -> np.int64:
        """The constant in grid units; one outside int64 flags every lane (re-run them all)."""
        units = to_units(q, self.scale, self.decimals)
        if not INT64_MIN <= units <= INT64_MAX:
            self._flag(np.True_)
            return np.int64(0)
        return np.int64(units)

    def const_bool(self, b: bool) -> np.bool_:
        return np.bool_(bool(b))

    def show(self, raw: Any) -> str:
        return np.array2string(np.asarray(raw), threshold=8)

    def conformance_harness(self) -> Any:
        from solvent.testing.harness import Harness

        backend = self

        def pack(values: Sequence[Fraction | bool]) -> np.ndarray:
            if values and isinstance(values[0], bool):
                return np.array(values, dtype=bool)
            units = [Fraction(v) * backend.scale for v in values]
            outside = [not INT64_MIN <= u <= INT64_MAX for u in units]
            backend._flag(np.array(outside, dtype=bool))
            return np.array(
                [0 if o else int(u) for u, o in zip(units, outside, strict=True)], dtype=np.int64
            )

        def unpack(raw: Any, lanes: int) -> list[Any]:
            arr = np.broadcast_to(np.asarray(raw), (lanes,))
            over = np.broadcast_to(np.asarray(backend.overflow), (lanes,))
            backend.reset()
            if arr.dtype == bool:
                return [OVERFLOW if o else bool(x) for x, o in zip(arr, over, strict=True)]
            if arr.dtype != np.int64:
                raise TypeError(f"lanes of dtype {arr.dtype}, expected int64 or bool")
            return [
                OVERFLOW if o else Fraction(int(x), backend.scale)
                for x, o in zip(arr, over, strict=True)
            ]

        def agree(op: str, case: Any, expected: Any, got: Any) -> bool:
            if got is OVERFLOW:  # allowed only where int64 really cannot hold the computation
                return needs_wide(op, case, backend.scale)
            if isinstance(expected, bool):
                return isinstance(got, bool) and got == expected
            return isinstance(got, Fraction) and got == expected

        return Harness(
            pack=pack,
            unpack=unpack,
            agree=agree,
            batch=16,
            description="int64 lanes, overflowed lanes flagged",
        )


class _Overflow:
    def __repr__(self) -> str:
        return "OVERFLOW"


OVERFLOW = _Overflow()
"""What the conformance harness reads from a lane the backend flagged as overflowed."""


def needs_wide(op: str, case: Sequence[Any], scale: int) -> bool:
    """Whether ``op`` on ``case`` leaves int64 anywhere: an input, the product the rounding
    divides, or the result (then a flagged lane is correct behaviour, not a bug)."""
    from solvent.backends.fixed import fixed_concrete

    def out(n: int) -> bool:
        return not INT64_MIN <= n <= INT64_MAX

    nums = [int(Fraction(v) * scale) for v in case if not isinstance(v, bool)]
    if any(out(n) for n in nums):
        return True
    if op in ("mul", "mul_down", "mul_up") and out(nums[0] * nums[1]):
        return True
    if op in ("div", "div_down", "div_up", "div_trunc") and out(nums[0] * scale):
        return True
    if op in ("const", "const_bool"):
        return False
    judge = fixed_concrete(len(str(scale)) - 1)
    raws = [judge.const_bool(v) if isinstance(v, bool) else judge.const(Fraction(v)) for v in case]
    result = judge.rule(op)(*raws)
    return not isinstance(result, bool) and out(result)
