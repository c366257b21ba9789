"""The one place every verb reads a spec's initial state from.

``start(spec)`` is, per state field, its declared initial value for every account
(per-account fields: ``spec.accounts`` entries in account order, so a list default
``["10", "1"]`` gives account 0 ten and account 1 one) or its one value (scalar fields:
a one-entry tuple). An entry is an exact number, a bool, ``Within`` (any number in the
interval) or ``AnyBool`` (either flag).

Who starts from it: ``bmc``/``prove`` (:meth:`solvent.check.encode.Encoder._initial_state`),
``replay`` (:func:`solvent.engine.trace.check_against` compares a trace's start with it),
``stress`` (the float64 and fixed-point draws of :mod:`solvent.stress.runner` and
:mod:`solvent.stress.grid`, so the numba kernel, the NumPy lanes and the exact
confirmation all see the same start) and ``monitor`` (its observed state before any
event, :func:`concrete_start`). ``tests/soundness/test_cross_verb.py`` checks that they agree.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from solvent.lang.domains import AnyBool, Within

Entry = Fraction | bool | Within | AnyBool


def start(spec: Any) -> dict[str, tuple[Entry, ...]]:
    """Per state field (in declaration order), its initial entry per account (see module doc)."""
    out: dict[str, tuple[Entry, ...]] = {}
    for name, fd in spec.fields.items():
        n = spec.accounts if fd.per_account else 1
        entries = tuple(fd.init)
        if len(entries) != n:  # the Spec builds one entry per account: a bug if not
            raise AssertionError(
                f"state field {name} has {len(entries)} initial entries, expected {n}"
            )
        out[name] = entries
    return out


def is_fixed(entry: Entry) -> bool:
    """True for an exact number or a bool (not a domain a verb chooses from)."""
    return not isinstance(entry, Within | AnyBool)


def concrete_start(
    spec: Any, choose: Callable[[str, int, Entry], Fraction | bool] | None = None
) -> dict[str, Any]:
    """The start as a :class:`~solvent.engine.trace.Trace` ``init``: per-account fields a
    tuple, scalar fields their value. ``choose(field, account, entry)`` picks the value of a
    ``Within``/``AnyBool`` entry (default: its lower end / False)."""

    def pick(name: str, i: int, e: Entry) -> Fraction | bool:
        if is_fixed(e):
            return e if isinstance(e, bool) else Fraction(e)  # type: ignore[arg-type]
        if choose is not None:
            return choose(name, i, e)
        return e.lo if isinstance(e, Within) else False

    out: dict[str, Any] = {}
    for name, entries in start(spec).items():
        vals = tuple(pick(name, i, e) for i, e in enumerate(entries))
        out[name] = vals if spec.fields[name].per_account else vals[0]
    return out
