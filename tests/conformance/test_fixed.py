"""Fixed-point backends: the concrete (Python int) and symbolic (Z3 Int) rules agree op by op,
including negative operands and the int64/int128/int256 edges; a Euclidean shortcut fails."""

from __future__ import annotations

from fractions import Fraction

import pytest
import z3
from hypothesis import settings

from solvent.backends.fixed import fixed_concrete
from solvent.backends.fixed_symbolic import FixedSymbolicBackend, fixed_symbolic
from solvent.lang.fixed import ceil_div, floor_div, trunc_div
from solvent.testing import conformance
from solvent.testing.harness import ConformanceError

SETTINGS = settings(deadline=None, database=None, derandomize=True)


@pytest.mark.parametrize("decimals", [0, 6, 18])
def test_concrete_fixed_backend_passes_the_suite(decimals: int) -> None:
    conformance.run(fixed_concrete(decimals), examples=15, hypothesis_settings=SETTINGS)


@pytest.mark.parametrize("decimals", [0, 18])
def test_symbolic_fixed_backend_passes_the_suite(decimals: int) -> None:
    conformance.run(fixed_symbolic(decimals), examples=5, hypothesis_settings=SETTINGS)


@pytest.mark.parametrize(
    ("n", "d", "floor", "ceil", "trunc"),
    [
        (7, 2, 3, 4, 3),
        (-7, 2, -4, -3, -3),
        (7, -2, -4, -3, -3),
        (-7, -2, 3, 4, 3),
        (6, 3, 2, 2, 2),
        (-6, 3, -2, -2, -2),
        (5, 0, 0, 0, 0),
        (-(2**255), 2**64, -(2**191), -(2**191), -(2**191)),
        (2**63 - 1, 2, 2**62 - 1, 2**62, 2**62 - 1),
    ],
)
def test_reference_roundings_on_signs(n: int, d: int, floor: int, ceil: int, trunc: int) -> None:
    assert (floor_div(n, d), ceil_div(n, d), trunc_div(n, d)) == (floor, ceil, trunc)
    # the Z3 encodings give the same on numerals and on free variables
    from solvent.backends.fixed_symbolic import ceil_div as zc
    from solvent.backends.fixed_symbolic import floor_div as zf
    from solvent.backends.fixed_symbolic import trunc_div as zt

    x, y = z3.Ints("x y")
    for enc, want in ((zf, floor), (zc, ceil), (zt, trunc)):
        solver = z3.Solver()
        solver.add(x == n, y == d, enc(x, y) != want)
        assert solver.check() == z3.unsat
        assert z3.simplify(enc(z3.IntVal(n), z3.IntVal(d))).as_long() == want


def test_smt_div_is_euclidean_not_floor() -> None:
    """Why the encodings exist: SMT-LIB div rounds -7 div -2 to 4 (Python floors to 3)."""
    assert z3.simplify(z3.IntVal(-7) / z3.IntVal(-2)).as_long() == 4
    assert -7 // -2 == 3


def test_euclidean_shortcut_is_caught() -> None:
    backend = FixedSymbolicBackend(0)
    backend.name = "euclidean"
    backend.RULES = {**backend.RULES, "div_down": lambda a, b: a / b}  # SMT div, no sign split
    with pytest.raises(ConformanceError, match=r"'euclidean'.*op 'div_down'"):
        conformance.run(backend, examples=0)


def test_rounding_direction_swap_is_caught() -> None:
    backend = FixedSymbolicBackend(2)
    backend.name = "swapped"
    backend.RULES = {**backend.RULES, "mul_up": backend.RULES["mul_down"]}
    with pytest.raises(ConformanceError, match=r"'swapped'.*op 'mul_up'"):
        conformance.run(backend, examples=0)


def test_off_grid_constant_is_refused() -> None:
    from solvent.errors import FixedPointError

    with pytest.raises(FixedPointError, match=r"1/3 is not a multiple of 10\^-6"):
        fixed_concrete(6).const(Fraction(1, 3))
    with pytest.raises(FixedPointError, match=r"0.0000001 is not a multiple of 10\^-6"):
        fixed_symbolic(6).const(Fraction("0.0000001"))


def test_vector_fixed_backend_agrees_or_flags_overflow() -> None:
    """int64 lanes: exact where int64 holds the computation, flagged (never wrapped) where
    it does not (the suite's edges include int64/int128/int256 values)."""
    from solvent.backends.vector_fixed import FixedVectorBackend

    for decimals in (0, 6):
        conformance.run(FixedVectorBackend(decimals), examples=10, hypothesis_settings=SETTINGS)


def test_vector_fixed_flags_a_wrapping_product_per_lane() -> None:
    import numpy as np

    from solvent.backends.vector_fixed import FixedVectorBackend

    backend = FixedVectorBackend(0)
    a = np.array([3, 2**62, -7, 2**40], dtype=np.int64)
    b = np.array([4, 4, 2, 2**30], dtype=np.int64)
    out = backend.rule("mul_down")(a, b)
    assert list(backend.overflow) == [False, True, False, True]
    assert out[0] == 12 and out[2] == -14
    backend.reset()
    assert list(
        backend.rule("div_up")(np.array([-7], dtype=np.int64), np.array([2], dtype=np.int64))
    ) == [-3]
    assert not bool(np.any(backend.overflow))


def test_vector_fixed_wrong_wrap_is_caught() -> None:
    """A table that wraps silently (no overflow flag) fails the suite."""
    import numpy as np

    from solvent.backends.vector_fixed import FixedVectorBackend

    backend = FixedVectorBackend(0)
    backend.name = "wraps"

    def add(a, b):  # noqa: ANN001, ANN202
        with np.errstate(over="ignore"):
            return np.add(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))

    backend.RULES = {**backend.RULES, "add": add}
    with pytest.raises(ConformanceError, match=r"'wraps'.*op 'add'"):
        conformance.run(backend, examples=0)
