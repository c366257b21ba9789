"""Conformance harnesses for the fixed-point backends (see :mod:`solvent.testing.conformance`).

Plain values are decimal ``Fraction`` numbers on the backend's ``10**-decimals`` grid (and
bools); the judge is :class:`solvent.backends.fixed.FixedConcreteBackend`. The symbolic
backend's rules are also checked by the solver on free ``Int`` variables, so a rounding
encoding that only folds constants correctly cannot pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import z3

from solvent.testing.harness import (
    CONSTANT_OPS,
    Case,
    Harness,
    PlainValue,
    _free_argument_sets,
    _where,
    lift_plain,
    mismatch,
    show,
)


def concrete_harness(backend: Any) -> Harness:
    """Raw ints in grid units and Python bools, read back with ``backend.number``."""

    def read(raw: Any) -> PlainValue:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int):
            return Fraction(raw, backend.scale)
        raise TypeError(f"raw value {raw!r} is a {type(raw).__name__}, not an int or a bool")

    return Harness(read=read, description=f"ints in units of 10^-{backend.decimals}")


def symbolic_harness(backend: Any) -> Harness:
    """Z3 Int terms in grid units, read back by ``z3.simplify`` and confirmed by the solver."""
    scale = backend.scale

    def read(raw: Any) -> PlainValue:
        term = z3.simplify(raw)
        if z3.is_true(term):
            return True
        if z3.is_false(term):
            return False
        if z3.is_int_value(term):
            return Fraction(term.as_long(), scale)
        raise TypeError(f"term {raw} simplifies to {term}, not to an Int numeral or a bool")

    def numeral(value: PlainValue) -> Any:
        if isinstance(value, bool):
            return z3.BoolVal(value)
        units = Fraction(value) * scale
        if units.denominator != 1:
            raise ValueError(f"{value} is off the 10^-{backend.decimals} grid")
        return z3.IntVal(units.numerator)

    def confirm(backend: Any, op: str, cases: Sequence[Case], expected: Sequence[PlainValue]) -> None:
        solver = z3.Solver()
        solver.set("timeout", 20_000)
        inputs: list[Any] = []
        checks: list[tuple[int, tuple[int, ...], Any, Any]] = []
        for i, case in enumerate(cases):
            want = numeral(expected[i])
            if op in CONSTANT_OPS:
                term = lift_plain(backend, case[0])
                checks.append((i, (), term, term != want))
                continue
            constants = [lift_plain(backend, value) for value in case]
            variables = []
            for j, value in enumerate(case):
                name = f"case{i}.arg{j + 1}"
                var = z3.Bool(name) if isinstance(value, bool) else z3.Int(name)
                inputs.append(var == numeral(value))
                variables.append(var)
            for free in _free_argument_sets(len(case)):
                args = [variables[j] if j in free else constants[j] for j in range(len(case))]
                try:
                    term = backend.rule(op)(*args)
                except Exception as exc:
                    raise mismatch(backend, op, case, f"{_where(free)}, the rule raised {exc!r}") from exc
                checks.append((i, free, term, term != want))
        solver.add(*inputs)
        solver.add(z3.Or([differs for *_, differs in checks]))
        verdict = solver.check()
        if verdict == z3.unsat:
            return
        if verdict != z3.sat:
            raise mismatch(backend, op, cases[0],
                           f"the solver could not decide the batch {[tuple(map(show, c)) for c in cases]} "
                           f"({solver.reason_unknown()})")
        model = solver.model()
        for i, free, term, differs in checks:
            if z3.is_true(model.eval(differs, model_completion=True)):
                allowed = model.eval(term, model_completion=True)
                raise mismatch(backend, op, cases[i],
                               f"{_where(free)}, the result is not forced to {show(expected[i])}: "
                               f"the solver finds {allowed} (the rule gives {term})")
        raise AssertionError("unreachable: a satisfying model violates no check")  # pragma: no cover

    return Harness(read=read, confirm=confirm, description="read back by z3.simplify (Int units)")
