"""Traced values and literals: what spec code computes with.

A :class:`Value` wraps one backend's raw value (a ``Fraction``, a Z3 term, a NumPy lane
array...) together with its sort (``num`` or ``bool``). Every operator on it dispatches
to exactly one rule of the backend's op table (:mod:`solvent.backends.base`). Values
refuse to become Python bools, so a spec behaves the same under every backend.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from solvent.errors import FloatLiteralError, SpecError, TracedBoolError, user_location

NUM = "num"
BOOL = "bool"


class Num(Fraction):
    """An exact number literal: ``Num("0.05")``, ``Num(3)``, ``Num(Decimal("1.5"))``.

    Floats are refused, since ``0.1`` is not one tenth in binary floating point.
    ``Num`` is also the annotation for numeric params and state fields.
    """

    def __new__(cls, value: Any = 0, denominator: Any = None) -> Num:  # type: ignore[misc]
        if denominator is not None:
            return super().__new__(cls, to_fraction(value), to_fraction(denominator))
        return super().__new__(cls, to_fraction(value))

    def __repr__(self) -> str:
        return f"Num({format_number(self)!r})"


class Bool:
    """Annotation for boolean state fields (``flag: Bool = False``)."""


def to_fraction(value: Any, *, what: str = "literal") -> Fraction:
    """Convert an exact literal (str, int, Decimal, Fraction) to a Fraction; refuse floats."""
    if isinstance(value, bool):
        raise SpecError(
            f"{what} {value!r} is a bool where a number is expected; write a number such as '1'",
            where=user_location(),
        )
    if isinstance(value, Fraction):
        return Fraction(value)
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        raise FloatLiteralError(
            f"float {what} {value!r} is not exact (binary floats cannot hold most decimals); "
            f"write it as a string, e.g. Num({_suggest(value)!r}) or {_suggest(value)!r}",
            where=user_location(),
        )
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise SpecError(f"{what} {value!r} is not a finite number", where=user_location())
        return Fraction(value)
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        try:
            if "/" in text:
                return Fraction(text)
            return Fraction(Decimal(text)) if Decimal(text).is_finite() else _bad(value, what)
        except (ValueError, InvalidOperation, ZeroDivisionError):
            return _bad(value, what)
    raise SpecError(
        f"{what} {value!r} of type {type(value).__name__} is not a number; "
        "use a str ('0.05'), an int, a Decimal or Num(...)",
        where=user_location(),
    )


def _bad(value: Any, what: str) -> Fraction:
    raise SpecError(
        f"{what} {value!r} is not a number; write e.g. '0.05', '-3', '1/3'",
        where=user_location(),
    )


def _suggest(value: float) -> str:
    return repr(value)


def format_number(q: Fraction) -> str:
    """Exact text of a rational: a finite decimal when one exists, else ``p/q``."""
    q = Fraction(q)
    den = q.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{q.numerator}/{q.denominator}"
    digits = max(twos, fives)
    if digits == 0:
        return str(q.numerator)
    scaled = q * 10**digits
    assert scaled.denominator == 1
    n = scaled.numerator
    sign = "-" if n < 0 else ""
    s = str(abs(n)).rjust(digits + 1, "0")
    return f"{sign}{s[:-digits]}.{s[-digits:]}"


_BOOL_HELP = (
    "a traced value was used as a Python bool (by `if`, `while`, `and`, `or`, `not`, "
    "`assert`, or the builtins `max()`/`min()`/`bool()`); traced values are only known "
    "per path, so write sv.when(cond, a, b) to choose a value, sv.maximum/sv.minimum "
    "instead of max()/min(), `&`, `|`, `~` instead of and/or/not, and sv.requires(cond) "
    "to guard an action"
)


class Value:
    """A traced number or boolean, bound to one backend."""

    __slots__ = ("backend", "raw", "sort")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, backend: Any, raw: Any, sort: str) -> None:
        self.backend = backend
        self.raw = raw
        self.sort = sort

    # -- conversions that must not happen -------------------------------------------
    def __bool__(self) -> bool:
        raise TracedBoolError(_BOOL_HELP, where=user_location())

    def __index__(self) -> int:
        raise TracedBoolError(
            "a traced value was used as an index or int; account indices must be plain "
            "Python ints (loop over s.accounts)",
            where=user_location(),
        )

    def __float__(self) -> float:
        raise SpecError(
            "a traced value was converted with float(); specs compute exactly, keep it traced",
            where=user_location(),
        )

    __int__ = __index__

    def __iter__(self) -> Any:
        raise SpecError("a traced value is not iterable", where=user_location())

    def __repr__(self) -> str:
        return f"<{self.sort} {self.backend.name}: {self.backend.show(self.raw)}>"

    # -- arithmetic ------------------------------------------------------------------
    def __add__(self, other: Any) -> Value:
        return apply("add", self, other)

    def __radd__(self, other: Any) -> Value:
        return apply("add", other, self, like=self)

    def __sub__(self, other: Any) -> Value:
        return apply("sub", self, other)

    def __rsub__(self, other: Any) -> Value:
        return apply("sub", other, self, like=self)

    def __mul__(self, other: Any) -> Value:
        _fixed_mul_check(self, other)
        return apply("mul", self, other)

    def __rmul__(self, other: Any) -> Value:
        _fixed_mul_check(self, other)
        return apply("mul", other, self, like=self)

    def __truediv__(self, other: Any) -> Value:
        _fixed_div_check(self)
        return divide(self, other)

    def __rtruediv__(self, other: Any) -> Value:
        _fixed_div_check(self)
        return divide(lift(other, like=self), self)

    def __neg__(self) -> Value:
        return apply("neg", self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return apply("max", self, apply("neg", self))

    def __floordiv__(self, other: Any) -> Value:
        raise SpecError(
            "`//` is not defined on exact numbers; use `/` (exact division)",
            where=user_location(),
        )

    __rfloordiv__ = __floordiv__

    def __mod__(self, other: Any) -> Value:
        raise SpecError("`%` is not defined on exact numbers", where=user_location())

    __rmod__ = __mod__

    def __pow__(self, other: Any) -> Value:
        if isinstance(other, int) and not isinstance(other, bool) and 0 <= other <= 8:
            result = lift(1, like=self)
            for _ in range(other):
                result = result * self
            return result
        raise SpecError(
            "only small non-negative int powers (x**0 .. x**8) are supported",
            where=user_location(),
        )

    # -- comparisons -----------------------------------------------------------------
    def __lt__(self, other: Any) -> Value:
        return apply("lt", self, other)

    def __le__(self, other: Any) -> Value:
        return apply("le", self, other)

    def __gt__(self, other: Any) -> Value:
        return apply("lt", other, self, like=self)

    def __ge__(self, other: Any) -> Value:
        return apply("le", other, self, like=self)

    def __eq__(self, other: Any) -> Value:  # type: ignore[override]
        if self.sort == BOOL:
            o = lift(other, like=self)
            return (self & o) | (~self & ~o)
        return apply("eq", self, other)

    def __ne__(self, other: Any) -> Value:  # type: ignore[override]
        return apply("not", self.__eq__(other))

    # -- logic -----------------------------------------------------------------------
    def __and__(self, other: Any) -> Value:
        return apply("and", self, other)

    __rand__ = __and__

    def __or__(self, other: Any) -> Value:
        return apply("or", self, other)

    __ror__ = __or__

    def __invert__(self) -> Value:
        return apply("not", self)


# Operator signatures: (argument sorts, result sort). The closed primitive set.
SIGNATURES: dict[str, tuple[tuple[str, ...], str]] = {
    "add": ((NUM, NUM), NUM),
    "sub": ((NUM, NUM), NUM),
    "mul": ((NUM, NUM), NUM),
    "div": ((NUM, NUM), NUM),
    "neg": ((NUM,), NUM),
    "lt": ((NUM, NUM), BOOL),
    "le": ((NUM, NUM), BOOL),
    "eq": ((NUM, NUM), BOOL),
    "max": ((NUM, NUM), NUM),
    "min": ((NUM, NUM), NUM),
    "and": ((BOOL, BOOL), BOOL),
    "or": ((BOOL, BOOL), BOOL),
    "not": ((BOOL,), BOOL),
    "select": ((BOOL, "any", "any"), "any"),
}

# The rounding primitives of fixed arithmetic (solvent.lang.fixed); only backends of
# fixed mode have rules for them (in exact mode sv.mul_down & co. are plain * and /).
FIXED_SIGNATURES: dict[str, tuple[tuple[str, ...], str]] = {
    op: ((NUM, NUM), NUM) for op in ("mul_down", "mul_up", "div_down", "div_up", "div_trunc")
}


def _fixed_mul_check(value: Value, other: Any) -> None:
    """In fixed arithmetic, ``*`` is exact only by an integer literal; else name the rounding."""
    if not getattr(value.backend, "fixed", False):
        return
    if not isinstance(other, Value) and not isinstance(other, bool):
        try:
            if to_fraction(other).denominator == 1:
                return
        except SpecError:
            pass
    from solvent.errors import FixedPointError

    raise FixedPointError(
        "`*` in fixed arithmetic can leave the decimal grid; say which way it rounds with "
        "sv.mul_down(a, b) or sv.mul_up(a, b) (only a product by an integer literal, "
        "e.g. `x * 2`, is exact)",
        where=user_location(),
    )


ALL_SIGNATURES: dict[str, tuple[tuple[str, ...], str]] = {**SIGNATURES, **FIXED_SIGNATURES}


def _fixed_div_check(value: Value) -> None:
    if getattr(value.backend, "fixed", False):
        from solvent.errors import FixedPointError

        raise FixedPointError(
            "`/` in fixed arithmetic must round; write sv.div_down(a, b), sv.div_up(a, b) "
            "or sv.div_trunc(a, b) (toward zero, like Solidity)",
            where=user_location(),
        )


def backend_of(*values: Any) -> Any:
    backend = None
    for v in values:
        if isinstance(v, Value):
            if backend is None:
                backend = v.backend
            elif v.backend is not backend:
                raise SpecError(
                    f"values of two backends ({backend.name}, {v.backend.name}) were mixed; "
                    "do not keep traced values between runs (e.g. in globals)",
                    where=user_location(),
                )
    return backend


def lift(x: Any, *, like: Value | None = None, backend: Any = None) -> Value:
    """Turn a literal into a constant Value of the given backend."""
    if isinstance(x, Value):
        return x
    b = backend if backend is not None else (like.backend if like is not None else None)
    if b is None:
        raise SpecError("cannot lift a literal without a backend", where=user_location())
    if isinstance(x, bool):
        return Value(b, b.const_bool(x), BOOL)
    return Value(b, b.const(to_fraction(x)), NUM)


def apply(op: str, *args: Any, like: Value | None = None) -> Value:
    """Apply primitive ``op`` to traced/literal arguments through the backend's rule."""
    if args and type(args[0]) is Value:
        # The common case, kept fast (the concrete judge re-runs whole stress paths
        # through here): the first argument is traced, the others are traced values of
        # the same backend or number literals, every sort is the one wanted. Anything
        # else takes the general path below, which raises the errors.
        b = args[0].backend
        sig = ALL_SIGNATURES.get(op)
        if sig is not None and len(args) == len(sig[0]):
            raws = []
            sorts = []
            for a, want in zip(args, sig[0], strict=True):
                if type(a) is Value:
                    if a.backend is not b or (want != "any" and a.sort != want):
                        break
                    raws.append(a.raw)
                    sorts.append(a.sort)
                elif want in (NUM, "any") and type(a) in (int, Fraction, Num):
                    raws.append(b.const(a))
                    sorts.append(NUM)
                else:
                    break
            else:
                rule = b.RULES.get(op)
                if op == "select":
                    if rule is not None and sorts[1] == sorts[2]:
                        return Value(b, rule(*raws), sorts[1])
                elif rule is not None:
                    return Value(b, rule(*raws), sig[1])
    b = backend_of(*args) or (like.backend if like is not None else None)
    if b is None:
        raise SpecError(f"op {op} needs at least one traced argument", where=user_location())
    arg_sorts, result_sort = SIGNATURES[op] if op in SIGNATURES else FIXED_SIGNATURES[op]
    vals = [lift(a, backend=b) for a in args]
    for i, (v, want) in enumerate(zip(vals, arg_sorts, strict=True)):
        if want != "any" and v.sort != want:
            raise SpecError(
                f"operation `{op}` expects a {want} as argument {i + 1} but got a {v.sort}; "
                + (
                    "combine conditions with &, |, ~"
                    if want == BOOL
                    else "turn a condition into a number with sv.when(cond, 1, 0)"
                ),
                where=user_location(),
            )
    if op == "select":
        if vals[1].sort != vals[2].sort:
            raise SpecError(
                "sv.when(cond, a, b) needs a and b of the same kind (both numbers or both "
                f"conditions), got {vals[1].sort} and {vals[2].sort}",
                where=user_location(),
            )
        result_sort = vals[1].sort
    rule = b.rule(op)
    return Value(b, rule(*(v.raw for v in vals)), result_sort)


def divide(num: Any, den: Any) -> Value:
    """Exact division; a zero denominator disables the enclosing action (implicit requires)."""
    from solvent.lang.guards import implicit_requires

    b = backend_of(num, den)
    d = lift(den, backend=b)
    implicit_requires(apply("not", apply("eq", d, 0)), reason="division by zero")
    return apply("div", num, d)
