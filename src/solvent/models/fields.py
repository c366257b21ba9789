"""A model's parameters, state and envelope, declared from tables instead of class bodies.

A spec declares its fields with classes (``@spec.params class Params: initial_margin: Num =
im``...). In a model most of those lines only repeat what the ``@takes`` table already says
(a parameter is a checked keyword under its own name) or what every model has (counters and
write-offs that start at zero). These functions declare the same fields through the same
decorators, in the order given, from keywords, so a model lists only what is its own::

    fields.params(spec, **fields.nums(k, "liquidation_fee insurance_fund"))
    fields.state(spec, price=price0, insurance=fund, **fields.zeros("bad_debt liquidations"))
    fields.accounts(spec, quote=sv.within(lo, hi), size=Num("0"))
    fields.symmetric(spec, move=k.max_move, funding=k.funding_cap)
    fields.counted(spec, "liquidation_happens", "liquidations", "Some account is liquidated.")

`solvent inspect` shows the line of the call as each field's place. A ``bool`` value
declares a ``Bool`` field, anything else a ``Num`` one.
"""

from __future__ import annotations

import sys
from typing import Any

import solvent as sv
from solvent import Bool, Num, PerAccount
from solvent.errors import _short
from solvent.lang.domains import Within
from solvent.models.params import Knobs


def _caller() -> str:
    """``file:line`` of the model's call (two frames up: the model, then the function)."""
    frame = sys._getframe(2)
    return f"{_short(frame.f_code.co_filename)}:{frame.f_lineno}"


def _table(name: str, values: dict[str, Any], per_account: bool, where: str) -> type:
    def kind(value: Any) -> Any:
        if isinstance(value, bool):
            return PerAccount[Bool] if per_account else Bool
        return PerAccount[Num] if per_account else Num

    body = {n: kind(v) for n, v in values.items()}
    return type(name, (), {"__annotations__": body, "__solvent_where__": where, **values})


def params(spec: sv.Spec, **values: Any) -> None:
    """Declare static parameters (``@spec.params``), one per keyword."""
    spec.params(_table("Params", values, False, _caller()))


def state(spec: sv.Spec, **values: Any) -> None:
    """Declare scalar state fields (``@spec.state``) with their initial values."""
    spec.state(_table("State", values, False, _caller()))


def accounts(spec: sv.Spec, **values: Any) -> None:
    """Declare per-account state fields (``PerAccount``) with their initial values."""
    spec.state(_table("Accounts", values, True, _caller()))


def envelope(spec: sv.Spec, **draws: Any) -> None:
    """Declare the envelope's per-step draws (``@spec.envelope``), each ``within(lo, hi)``."""
    spec.envelope(_table("Market", draws, False, _caller()))


def symmetric(spec: sv.Spec, **limits: Any) -> None:
    """Declare envelope draws, each within ``[-limit, limit]`` (moves, funding, errors)."""
    draws = {n: both_ways(x) for n, x in limits.items()}
    spec.envelope(_table("Market", draws, False, _caller()))


def both_ways(limit: Any) -> Within:
    """A draw within ``[-limit, limit]`` (a per-step move, a funding rate, an error)."""
    return sv.within(-Num(limit), Num(limit))


def nums(k: Knobs, names: str) -> dict[str, Num]:
    """The keywords ``names`` (separated by spaces) of ``k``, as numbers under their names."""
    return {n: Num(getattr(k, n)) for n in names.split()}


def zeros(names: str) -> dict[str, Num]:
    """Fields ``names`` (separated by spaces) that start at 0: counters, write-offs."""
    return {n: Num("0") for n in names.split()}


def counted(spec: sv.Spec, name: str, field: str, doc: str) -> None:
    """Declare the witness ``name``: the counter ``field`` went above 0 (the rule it counts
    ran at least once, else a proof could be vacuous)."""

    def witness(s: Any) -> Any:
        return getattr(s, field) > 0

    witness.__name__ = witness.__qualname__ = name
    witness.__doc__ = doc
    spec.witness(witness)
