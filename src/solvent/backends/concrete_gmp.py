"""The concrete judge's rules over GMP rationals (``gmpy2.mpq``): the same exact
arithmetic, several times faster on big numbers.

`solvent stress` re-runs every lane float64 flagged on the judge. Those lanes start from
float64 draws, dyadic rationals with 53-bit numerators, and every step multiplies prices
by another one, so denominators reach thousands of bits within a path; there
``fractions.Fraction`` spends its time in Python-level gcd and normalization, ``mpq`` in
GMP (about 7x faster per op on a 50-step price; 1.4-1.6x end to end on stress lanes,
``benchmarks/stress_confirm.py``). The rules are the concrete
backend's own (:class:`solvent.backends.concrete.ConcreteBackend`, the standard-library
judge stays the reference) and the conformance suite checks this table op by op against
it (``tests/conformance``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import gmpy2

from solvent.backends.concrete import ConcreteBackend
from solvent.lang.values import format_number

_ZERO = gmpy2.mpq(0)


def _div(a: Any, b: Any) -> Any:
    return a / b if b != 0 else _ZERO


class GmpConcreteBackend(ConcreteBackend):
    name = "concrete-gmp"
    RULES = {**ConcreteBackend.RULES, "div": _div}

    def const(self, q: Fraction) -> Any:
        if type(q) is int:
            return gmpy2.mpq(q)
        q = Fraction(q)  # also refuses what Fraction refuses, as the judge does
        return gmpy2.mpq(q.numerator, q.denominator)

    def number(self, raw: Any) -> Fraction:
        """The plain ``Fraction`` of a raw number (what traces and reports hold)."""
        return Fraction(int(raw.numerator), int(raw.denominator))

    def show(self, raw: Any) -> str:
        return str(raw) if isinstance(raw, bool) else format_number(self.number(raw))

    def conformance_harness(self) -> Any:
        from solvent.testing.harness import Harness

        return Harness(
            read=lambda raw: raw if isinstance(raw, bool) else self.number(raw),
            description="mpq read back as a Fraction",
        )


CONCRETE_GMP = GmpConcreteBackend()
