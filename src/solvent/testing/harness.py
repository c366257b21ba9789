"""How the conformance suite talks to a backend: feed it inputs, read its results back.

A :class:`Harness` is the only backend-specific part of :mod:`solvent.testing.conformance`.
Three shapes are supported:

- *scalar* (``read``): one case per rule call; inputs are built with the backend's own
  ``const``/``const_bool`` and the result is read back with ``read(raw)``. The concrete
  and the symbolic (Z3) backends use this shape.
- *lanes* (``pack`` + ``unpack``): a whole batch of cases per rule call, case ``i`` in lane
  ``i``; this is how a vector backend (NumPy lanes) is checked elementwise.
- an optional *independent check* (``confirm``), e.g. the Z3 solver check below, which
  proves the rule forces the expected value on free variables, so that constant folding
  cannot hide a wrong rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Any

import z3

from solvent.lang.values import format_number

PlainValue = Fraction | bool
"""A value of the concrete judge: an exact number or a Python bool."""

Case = tuple[PlainValue, ...]
"""The plain inputs of one op application, in argument order."""

CONSTANT_OPS: tuple[str, ...] = ("const", "const_bool")
"""The two lifting ops every backend provides besides its rule table."""


class ConformanceError(AssertionError):
    """A backend disagrees with the concrete judge (or lacks a rule)."""


def show(value: Any) -> str:
    """Render a plain value as the judge would print it (``1/3``, ``0.5``, ``True``)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Fraction):
        return format_number(value)
    return f"{value!r} (a {type(value).__name__})"


def mismatch(backend: Any, op: str, case: Sequence[Any], detail: str) -> ConformanceError:
    """Build the error for one failing case, naming the backend, the op and the inputs.

    Parameters
    ----------
    backend
        The backend under test (its ``name`` is quoted).
    op
        The primitive op (or ``const``/``const_bool``).
    case
        The plain inputs.
    detail
        What went wrong, e.g. ``"expected 0, got 1"``.

    Returns
    -------
    ConformanceError
        Raise it.
    """
    inputs = ", ".join(show(v) for v in case)
    name = getattr(backend, "name", type(backend).__name__)
    return ConformanceError(
        f"backend {name!r} disagrees with the concrete judge on op {op!r} "
        f"with inputs ({inputs}): {detail}"
    )


def exactly(op: str, case: Case, expected: PlainValue, got: Any) -> bool:
    """Agree only on the same value of the same sort (``Fraction(1)`` is not ``True``)."""
    if isinstance(expected, bool):
        return isinstance(got, bool) and got == expected
    return isinstance(got, Fraction) and not isinstance(got, bool) and got == expected


Agree = Callable[[str, Case, PlainValue, Any], bool]
Confirm = Callable[[Any, str, Sequence[Case], Sequence[PlainValue]], None]


@dataclass(frozen=True, slots=True)
class Harness:
    """How the suite feeds a backend and reads its results back.

    Give either ``read`` (scalar shape) or both ``pack`` and ``unpack`` (lane shape).

    Attributes
    ----------
    read
        ``read(raw) -> Fraction | bool``: the plain value of one raw result.
    pack
        ``pack(values) -> raw``: one raw argument holding ``values`` as lanes (all numbers
        or all bools).
    unpack
        ``unpack(raw, lanes) -> Sequence[Fraction | bool]``: the ``lanes`` plain values of a
        raw result (broadcast a scalar result if the backend returns one).
    agree
        ``agree(op, case, expected, got) -> bool``; exact by default. An approximate
        backend (float64 lanes) passes a tolerance here.
    confirm
        ``confirm(backend, op, cases, expected)``: an extra, independent check of a batch;
        raises the error from :func:`mismatch` on a failing case.
    batch
        The most cases evaluated (and confirmed) together.
    description
        How results are read back, quoted in failure messages.
    """

    read: Callable[[Any], Any] | None = None
    pack: Callable[[Sequence[PlainValue]], Any] | None = None
    unpack: Callable[[Any, int], Sequence[Any]] | None = None
    agree: Agree = exactly
    confirm: Confirm | None = None
    batch: int = 4
    description: str = "read back"

    def __post_init__(self) -> None:
        if (self.pack is None) != (self.unpack is None) or (self.read is None) == (
            self.pack is None
        ):
            raise ValueError("a Harness needs either `read` or both `pack` and `unpack`")
        if self.batch < 1:
            raise ValueError(f"Harness.batch must be at least 1, got {self.batch}")

    @property
    def lanes(self) -> bool:
        """Whether a batch of cases is evaluated as lanes of one rule call."""
        return self.pack is not None


# -- concrete ---------------------------------------------------------------------------


def _read_plain(raw: Any) -> PlainValue:
    if isinstance(raw, bool | Fraction):
        return raw
    raise TypeError(f"raw value {raw!r} is a {type(raw).__name__}, not a Fraction or a bool")


CONCRETE_HARNESS = Harness(read=_read_plain, description="taken as is")
"""For backends whose raw values already are ``Fraction``/``bool`` (the judge itself)."""


# -- symbolic (Z3) ----------------------------------------------------------------------


def z3_read(raw: Any) -> PlainValue:
    """Read a closed Z3 term back: ``z3.simplify`` it to a rational or boolean numeral.

    Raises
    ------
    TypeError
        If the term does not simplify to a numeral.
    """
    term = z3.simplify(raw)
    if z3.is_int_value(term):
        return Fraction(term.as_long())
    if z3.is_rational_value(term):
        return Fraction(term.numerator_as_long(), term.denominator_as_long())
    if z3.is_true(term):
        return True
    if z3.is_false(term):
        return False
    raise TypeError(f"term {raw} simplifies to {term}, not to a numeral")


def z3_value(value: PlainValue) -> z3.ExprRef:
    """The Z3 numeral of a plain value, built independently of any backend's ``const``."""
    if isinstance(value, bool):
        return z3.BoolVal(value)
    return z3.RealVal(f"{value.numerator}/{value.denominator}")


def lift_plain(backend: Any, value: PlainValue) -> Any:
    """The backend's constant for a plain value (``const_bool`` for bools, else ``const``)."""
    return backend.const_bool(value) if isinstance(value, bool) else backend.const(value)


def _free_argument_sets(arity: int) -> list[tuple[int, ...]]:
    """Every choice of which arguments are free variables (the rest stay constants)."""
    return [free for k in range(arity + 1) for free in combinations(range(arity), k)]


def z3_confirm(
    backend: Any,
    op: str,
    cases: Sequence[Case],
    expected: Sequence[PlainValue],
    *,
    numeral: Callable[[PlainValue], Any] | None = None,
    sort: Callable[[str], Any] = z3.Real,
) -> None:
    """Prove with Z3 that each rule application is forced to the judge's value.

    For every case and every choice of arguments, those arguments are replaced by free
    variables constrained equal to the inputs (the rest are the backend's constants), so
    the rule's symbolic path and its constant shortcuts are both checked. One solver query
    covers the whole batch: it asks for any application that can differ from the expected
    value. ``numeral`` and ``sort`` give the solver's constants and free variables (default:
    exact reals; the fixed-point harness passes Int units).

    Raises
    ------
    ConformanceError
        Naming the first application that is not forced, or if the solver gives up.
    """
    numeral = numeral or z3_value
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
            var = z3.Bool(name) if isinstance(value, bool) else sort(name)
            inputs.append(var == numeral(value))
            variables.append(var)
        for free in _free_argument_sets(len(case)):
            args = [variables[j] if j in free else constants[j] for j in range(len(case))]
            try:
                term = backend.rule(op)(*args)
            except Exception as exc:
                raise mismatch(
                    backend, op, case, f"{_where(free)}, the rule raised {exc!r}"
                ) from exc
            checks.append((i, free, term, term != want))
    solver.add(*inputs)
    solver.add(z3.Or([differs for *_, differs in checks]))
    verdict = solver.check()
    if verdict == z3.unsat:
        return
    if verdict != z3.sat:
        raise mismatch(
            backend,
            op,
            cases[0],
            f"the solver could not decide the batch {[tuple(map(show, c)) for c in cases]} "
            f"({solver.reason_unknown()})",
        )
    model = solver.model()
    for i, free, term, differs in checks:
        if z3.is_true(model.eval(differs, model_completion=True)):
            allowed = model.eval(term, model_completion=True)
            raise mismatch(
                backend,
                op,
                cases[i],
                f"{_where(free)}, the result is not forced to {show(expected[i])}: "
                f"the solver finds {allowed} (the rule gives {term})",
            )
    raise AssertionError("unreachable: a satisfying model violates no check")  # pragma: no cover


def _where(free: tuple[int, ...]) -> str:
    if not free:
        return "with every argument a constant"
    if len(free) == 1:
        return f"with argument {free[0] + 1} a free variable constrained equal to its input"
    numbers = ", ".join(str(j + 1) for j in free)
    return f"with arguments {numbers} free variables constrained equal to their inputs"


Z3_HARNESS = Harness(read=z3_read, confirm=z3_confirm, description="read back by z3.simplify")
"""For backends whose raw values are Z3 terms over the reals (the symbolic backend)."""
