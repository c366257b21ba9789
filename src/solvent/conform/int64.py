"""The int64 backend of `solvent conform`'s spec lanes: the fixed-point vector backend with
a cheaper test for products that might leave int64.

:class:`~solvent.backends.vector_fixed.FixedVectorBackend` checks every product
``a * b`` for overflow exactly, lane by lane (about twenty NumPy passes). Here a product
first gets a float64 bound: when ``|float(a) * float(b)| < 2**62`` on every lane (three
roundings of at most 2^-53 each cannot carry a product of 2^63 or more below 2^62), no
lane can overflow, and the product and its rounding are computed directly, exactly as the
parent computes them on those lanes. Otherwise (some lane near the edge) the parent's rule
runs unchanged, exact overflow mask included. The results and the overflow mask are
therefore the parent's on every input; the backend conformance suite checks it
(``tests/conform/test_conform_int64.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from solvent.backends.vector_fixed import FixedVectorBackend

__all__ = ["ConformLanes"]

BOUND = 2.0**62


class ConformLanes(FixedVectorBackend):
    """:class:`FixedVectorBackend` with the float64 pre-test on products."""

    def __init__(self, decimals: int) -> None:
        super().__init__(decimals)
        self.name = f"conform-int64({decimals})"
        s = self.scale
        for op, up in (("mul", False), ("mul_down", False), ("mul_up", True)):
            self.RULES[op] = self._fast(self.RULES[op], s, up)

    @staticmethod
    def _fast(exact: Callable[..., Any], scale: int, up: bool) -> Callable[..., Any]:
        s = np.int64(scale)

        def rule(a: Any, b: Any) -> Any:
            a = np.asarray(a, dtype=np.int64)
            b = np.asarray(b, dtype=np.int64)
            if (np.abs(a.astype(np.float64) * b) >= BOUND).any():
                return exact(a, b)  # a lane near the edge: the exact check decides
            prod = a * b  # |a * b| < 2^63 on every lane: no wrap, and -prod fits too
            if up:
                return -np.floor_divide(-prod, s)
            return np.floor_divide(prod, s)

        return rule
