"""Issue 16, the bounded kernel's cost: values exact by the spec's shape carry the bound 0.

The kernel knows from the spec which fields are exact on every lane (drawn or double
initial values, every write exact: the perp's position size) and multiplies by them with
``_emul1``, ``_emul`` with that factor's bound 0; the error of a sum of exact operands is
TwoSum's exact error as is. Checked: the rules against the exact judge (``Fraction``) on
Hypothesis cases (the kernel's helpers run as plain Python), and the exact fields of two
specs. CI runs a small derandomized profile; ``SOLVENT_LONG_TESTS=1`` a long one.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solvent.scenarios import get
from solvent.scenarios.population import Population
from solvent.stress import bounds
from solvent.stress.emit import Emitter
from solvent.stress.runner import StressOptions, prepare
from solvent.testing.conformance import numbers

LONG = os.environ.get("SOLVENT_LONG_TESTS") == "1"
FAST = dict(deadline=None, database=None, derandomize=not LONG)
H: dict = {"np": np, "njit": lambda **_k: lambda f: f}
exec(bounds.KERNEL_HELPERS, H)  # the kernel's helpers as plain Python

FLOATS = st.one_of(
    numbers().map(float),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 5e-324, 2.0**-1022, -(2.0**-1022), 1e-300, 1e300]),
)


@settings(max_examples=3000 if LONG else 300, **FAST)
@given(a=FLOATS, b=FLOATS, eb=FLOATS.map(abs), t=st.fractions(-1, 1))
def test_a_product_with_an_exact_factor_is_bounded_like_emul(a, b, eb, t) -> None:
    """``_emul1(a, b, r, eb)`` is ``_emul(a, b, r, 0.0, eb)`` and contains ``a * B`` for
    every exact ``B`` within ``eb`` of ``b``."""
    r = a * b
    if not math.isfinite(r) or not math.isfinite(abs(a) * eb + abs(b)):
        return
    e1 = H["_emul1"](a, b, r, eb)
    assert e1 == H["_emul"](a, b, r, 0.0, eb)
    B = Fraction(b) + t * Fraction(eb)
    assert abs(Fraction(r) - Fraction(a) * B) <= Fraction(e1)


@settings(max_examples=3000 if LONG else 300, **FAST)
@given(a=FLOATS, b=FLOATS)
def test_the_bound_of_a_sum_of_exact_operands_is_its_exact_error(a, b) -> None:
    r = a + b
    if not math.isfinite(r):
        return
    err = abs(Fraction(a) + Fraction(b) - Fraction(r))
    assert Fraction(H["_eadd"](a, b, r, 0.0, 0.0)) == err
    assert Fraction(float(bounds.e_add(a, b, r, 0.0, 0.0))) == err  # the NumPy lanes' rule


def test_exact_fields_are_those_every_write_keeps_exact(load) -> None:
    """perp_small: the size (drawn, set to the literal 0 by a liquidation) is exact, the
    quote (written from a product with the price) and the fund are not. trim: the cash is
    never written, the size is halved (a division: not exact by the shape)."""
    opts = StressOptions(paths=8, steps=3, seed=0, block=8, accounts=2, checkpoint_dir=None)
    prepare(load("perp_small"), get("gbm"), Population(), opts)
    assert Emitter.exact_fields == {"size"}
    prepare(load("trim"), get("gbm"), None, opts)
    assert Emitter.exact_fields == {"cash"}
