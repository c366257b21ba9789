"""The shipped backends pass the conformance suite; a backend lacking a rule is named."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import settings

from solvent.backends.base import OPS, Backend
from solvent.backends.concrete import CONCRETE
from solvent.backends.symbolic import SYMBOLIC
from solvent.testing import conformance

SETTINGS = settings(deadline=None, database=None)


def test_symbolic_backend_agrees_with_the_concrete_judge() -> None:
    conformance.run(SYMBOLIC, examples=50, hypothesis_settings=SETTINGS)


def test_concrete_backend_passes_its_own_suite() -> None:
    conformance.run(CONCRETE, examples=25, hypothesis_settings=SETTINGS)


def test_judge_divides_by_zero_to_zero() -> None:
    for numerator in conformance.EDGE_NUMBERS:
        assert CONCRETE.rule("div")(numerator, Fraction(0)) == 0


def test_every_primitive_op_is_checked() -> None:
    checked = {check.op for check in conformance.checks()}
    assert checked == set(OPS) | {"const", "const_bool"}
    selects = [check.sorts for check in conformance.checks() if check.op == "select"]
    assert selects == [("bool", "num", "num"), ("bool", "bool", "bool")]


class _Dummy(Backend):
    """The concrete rules without ``mul`` and ``select``."""

    name = "dummy"
    RULES: dict[str, Callable[..., Any]] = {
        op: rule for op, rule in CONCRETE.RULES.items() if op not in ("mul", "select")
    }

    def const(self, q: Fraction) -> Fraction:
        return Fraction(q)

    def const_bool(self, b: bool) -> bool:
        return b


def test_missing_rule_raises_not_implemented_naming_op_and_backend() -> None:
    with pytest.raises(NotImplementedError, match=r"backend 'dummy' has no rule for .*'mul'"):
        _Dummy().rule("mul")


def test_suite_names_every_missing_rule() -> None:
    with pytest.raises(AssertionError) as failure:
        conformance.run(_Dummy(), examples=0)
    message = str(failure.value)
    assert "backend 'dummy'" in message
    assert "no rule for op(s) 'mul', 'select'." in message
    assert isinstance(failure.value.__cause__, NotImplementedError)


def test_suite_names_a_missing_const() -> None:
    class NoConst(Backend):
        name = "no-const"
        RULES = CONCRETE.RULES

    with pytest.raises(AssertionError, match=r"no rule for op\(s\) 'const', 'const_bool'"):
        conformance.run(NoConst(), read=lambda raw: raw, examples=0)
