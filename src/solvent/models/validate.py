"""Parameter checks shared by the models: each names the parameter and the rule it breaks.

Every failure raises :class:`solvent.errors.ModelParameterError` (code SV801, exit 3).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from solvent.errors import ModelParameterError, SpecError
from solvent.lang.values import format_number, to_fraction
from solvent.spec.recipe import caller


def refuse(message: str) -> ModelParameterError:
    """The error for a parameter outside its domain, located at the user's call."""
    return ModelParameterError(message, where=caller())


def _fmt(q: Fraction) -> str:
    text = format_number(q)
    if len(text) <= 40:
        return text
    digits = len(str(abs(q.numerator) // q.denominator))  # a huge number: say how big
    return f"{text[:12]}... (a number of {digits} digits)"


def check_fraction(
    name: str, value: Any, *, positive: bool = False, nonnegative: bool = False
) -> Fraction:
    """An exact number (str, int, Decimal, Fraction); optionally > 0 or >= 0."""
    try:
        q = to_fraction(value, what=f"parameter {name}")
    except SpecError as exc:
        raise refuse(f"parameter {name}: {exc.message}") from None
    if positive and q <= 0:
        raise refuse(f"parameter {name} = {_fmt(q)}: must be greater than 0")
    if nonnegative and q < 0:
        raise refuse(f"parameter {name} = {_fmt(q)}: must not be negative")
    return q


def check_rate(
    name: str, value: Any, *, positive: bool = False, upper_open: bool = False, upper: Any = 1
) -> Fraction:
    """A fraction of notional in ``[0, upper]`` (``(0, upper]`` if ``positive``)."""
    q = check_fraction(name, value, nonnegative=True, positive=positive)
    top = Fraction(upper)
    if q > top or (upper_open and q == top):
        bound = f"below {_fmt(top)}" if upper_open else f"at most {_fmt(top)}"
        raise refuse(
            f"parameter {name} = {_fmt(q)}: a fraction of notional must be {bound} "
            f"({_fmt(top * 100)}%)"
        )
    return q


def check_order(low_name: str, low: Fraction, high_name: str, high: Fraction, why: str) -> None:
    """``low <= high``, e.g. maintenance margin at most initial margin."""
    if low > high:
        raise refuse(
            f"parameter {low_name} = {_fmt(low)} exceeds {high_name} = {_fmt(high)}: {why}"
        )


def check_count(name: str, value: Any, *, minimum: int = 1) -> int:
    """An int of at least ``minimum`` (accounts, leverage...)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise refuse(f"parameter {name} = {value!r}: must be an int")
    if value < minimum:
        raise refuse(f"parameter {name} = {value}: must be at least {minimum}")
    return value


def check_range(
    name: str, lo: Any, hi: Any, *, nonnegative: bool = False
) -> tuple[Fraction, Fraction]:
    """A ``(lo, hi)`` pair with ``lo <= hi``."""
    flo = check_fraction(f"{name} (low end)", lo, nonnegative=nonnegative)
    fhi = check_fraction(f"{name} (high end)", hi, nonnegative=nonnegative)
    if flo > fhi:
        raise refuse(
            f"parameter {name} = ({_fmt(flo)}, {_fmt(fhi)}): the low end exceeds the high end"
        )
    return flo, fhi


def check_ends(name: str, value: Any) -> tuple[Fraction, Fraction]:
    """A pair ``(low, high)`` of initial holdings, both ends ``>= 0`` (their order is not
    checked: ``sv.within`` refuses an empty range)."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise refuse(f"parameter {name} = {value!r}: give a pair (low, high) of numbers")
    lo, hi = value
    return (
        check_fraction(f"{name} (low end)", lo, nonnegative=True),
        check_fraction(f"{name} (high end)", hi, nonnegative=True),
    )


def margin_from_leverage(name: str, leverage: Any) -> Fraction:
    """Initial margin ``1 / leverage`` (Hyperliquid: IM = notional / leverage, A2)."""
    q = check_fraction(name, leverage)
    if q <= 0:
        raise refuse(
            f"parameter {name} = {_fmt(q)}: leverage must be greater than 0 (it is "
            "notional / initial margin; 1 means fully collateralized)"
        )
    if q < 1:
        raise refuse(
            f"parameter {name} = {_fmt(q)}: leverage below 1 would require more margin than "
            "the notional; use at least 1"
        )
    return 1 / q
