"""The conformance suite itself: it catches wrong rules, names them, and checks lanes."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pytest
import z3
from hypothesis import settings

from solvent.backends.base import Backend
from solvent.backends.concrete import CONCRETE, ConcreteBackend
from solvent.backends.symbolic import SymbolicBackend
from solvent.testing import conformance
from solvent.testing.harness import ConformanceError, Harness, PlainValue

SETTINGS = settings(deadline=None, database=None)


def _concrete_with(name: str, **rules: Callable[..., Any]) -> ConcreteBackend:
    backend = ConcreteBackend()
    backend.name = name
    backend.RULES = {**CONCRETE.RULES, **rules}
    return backend


def _symbolic_with(name: str, **rules: Callable[..., Any]) -> SymbolicBackend:
    backend = SymbolicBackend()
    backend.name = name
    backend.RULES = {**SymbolicBackend.RULES, **rules}
    return backend


def test_wrong_value_names_op_backend_and_inputs() -> None:
    backend = _concrete_with("off-by-one", sub=lambda a, b: a - b + (1 if a == b else 0))
    with pytest.raises(ConformanceError) as failure:
        conformance.run(backend, examples=0)
    assert str(failure.value) == (
        "backend 'off-by-one' disagrees with the concrete judge on op 'sub' with inputs "
        "(0, 0): expected 0, got 1 (taken as is)"
    )


def test_division_by_zero_must_give_zero() -> None:
    backend = _concrete_with("raising", div=lambda a, b: a / b)
    with pytest.raises(AssertionError, match=r"op 'div' with inputs \(0, 0\): raised Zero"):
        conformance.run(backend, examples=0)


def test_number_where_bool_expected_is_a_mismatch() -> None:
    backend = _concrete_with("int-bools", lt=lambda a, b: Fraction(int(a < b)))
    with pytest.raises(ConformanceError, match=r"op 'lt' .*expected False, got 0"):
        conformance.run(backend, examples=0)


def test_generated_inputs_find_what_the_grid_misses() -> None:
    grid_denominators = {number.denominator for number in conformance.EDGE_NUMBERS}

    def add(a: Fraction, b: Fraction) -> Fraction:
        return a + b + (0 if a.denominator in grid_denominators else 1)

    backend = _concrete_with("off-grid", add=add)
    conformance.run(backend, examples=0)  # the edge-case grid alone cannot see it
    with pytest.raises(ConformanceError) as failure:
        conformance.run(
            backend, examples=20, hypothesis_settings=settings(SETTINGS, derandomize=True)
        )
    found = re.search(
        r"'off-grid' .* op 'add' with inputs \((\S+), (\S+)\): expected (\S+), got (\S+) ",
        str(failure.value),
    )
    assert found is not None, str(failure.value)
    a, b, expected, got = map(Fraction, found.groups())
    assert a.denominator not in grid_denominators
    assert (expected, got) == (a + b, a + b + 1)


def test_solver_check_catches_a_rule_that_folds_correctly() -> None:
    def div(a: z3.ArithRef, b: z3.ArithRef) -> z3.ArithRef:
        if z3.is_rational_value(b):
            return z3.RealVal(0) if b.as_fraction() == 0 else a / b
        return z3.If(b == 0, z3.RealVal(1), a / b)  # wrong: x / 0 must be 0

    backend = _symbolic_with("folds-right", div=div)
    with pytest.raises(ConformanceError) as failure:
        conformance.run(backend, examples=0)
    message = str(failure.value)
    assert "backend 'folds-right'" in message and "op 'div'" in message
    assert "with argument 2 a free variable" in message and "not forced to 0" in message


def test_solver_check_covers_constant_shortcuts() -> None:
    def and_(a: Any, b: Any) -> Any:
        constant = z3.is_true(b) or z3.is_false(b)
        return b if z3.is_false(a) and not constant else z3.And(a, b)

    backend = _symbolic_with("shortcut", **{"and": and_})
    with pytest.raises(ConformanceError, match=r"op 'and' with inputs \(False, True\).*argument"):
        conformance.run(backend, examples=0)


def test_rule_outside_the_closed_set_is_reported() -> None:
    backend = _concrete_with("extra", pow=lambda a, b: a**b)
    with pytest.raises(ConformanceError, match=r"outside the closed primitive set: 'pow'"):
        conformance.run(backend, examples=0)


# -- lanes: the shape a vector backend is checked with -----------------------------------


Lanes = tuple[PlainValue, ...]


def _elementwise(rule: Callable[..., Any]) -> Callable[..., Lanes]:
    def lanes(*columns: Lanes) -> Lanes:
        return tuple(rule(*values) for values in zip(*columns, strict=True))

    return lanes


class _TupleLanes(Backend):
    """A toy vector backend: a raw value is a tuple of lanes."""

    name = "tuple-lanes"
    RULES = {op: _elementwise(rule) for op, rule in CONCRETE.RULES.items()}

    def const(self, q: Fraction) -> Lanes:
        return (Fraction(q),)

    def const_bool(self, b: bool) -> Lanes:
        return (b,)

    def conformance_harness(self) -> Harness:
        return Harness(pack=tuple, unpack=_broadcast, batch=8, description="lane read")


def _broadcast(raw: Lanes, lanes: int) -> Sequence[PlainValue]:
    return raw * lanes if len(raw) == 1 else raw


def test_lane_backend_is_checked_with_the_same_run() -> None:
    conformance.run(_TupleLanes(), examples=10, hypothesis_settings=SETTINGS)


def test_lane_backend_wrong_in_one_lane_is_caught() -> None:
    class LastLaneWrong(_TupleLanes):
        name = "last-lane-wrong"
        RULES = {
            **_TupleLanes.RULES,
            "neg": lambda column: tuple(-q for q in column[:-1]) + (column[-1],),
        }

    with pytest.raises(ConformanceError, match=r"'last-lane-wrong' .* op 'neg' with inputs"):
        conformance.run(LastLaneWrong(), examples=0)


def test_lane_count_is_checked() -> None:
    class DropsLanes(_TupleLanes):
        name = "drops-lanes"
        RULES = {**_TupleLanes.RULES, "max": lambda a, b: (max(a[0], b[0]),) * 2}

    with pytest.raises(ConformanceError, match=r"op 'max' .*returned 2 lanes for the 8"):
        conformance.run(DropsLanes(), examples=0)


# -- finding the harness ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Box:
    value: PlainValue


def _boxed(rule: Callable[..., Any]) -> Callable[..., _Box]:
    return lambda *boxes: _Box(rule(*(box.value for box in boxes)))


class _Boxed(Backend):
    """Raw values are boxes; reading back needs a ``read`` function."""

    name = "boxed"
    RULES = {op: _boxed(rule) for op, rule in CONCRETE.RULES.items()}

    def const(self, q: Fraction) -> _Box:
        return _Box(Fraction(q))

    def const_bool(self, b: bool) -> _Box:
        return _Box(b)


def _unbox(raw: _Box) -> PlainValue:
    return raw.value


def test_read_function_is_enough_for_a_scalar_backend() -> None:
    conformance.run(_Boxed(), read=_unbox, examples=5, hypothesis_settings=SETTINGS)


def test_backend_with_no_way_to_read_back_is_refused() -> None:
    with pytest.raises(TypeError, match=r"cannot read results of backend 'boxed' back"):
        conformance.run(_Boxed(), examples=0)


def test_harness_needs_exactly_one_shape() -> None:
    with pytest.raises(ValueError, match="either `read` or both"):
        Harness()
    with pytest.raises(ValueError, match="either `read` or both"):
        Harness(read=lambda raw: raw, pack=tuple, unpack=_broadcast)
    with pytest.raises(ValueError, match="either `read` or both"):
        Harness(pack=tuple)
