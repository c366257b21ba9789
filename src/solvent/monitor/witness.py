"""An invariant's violation at venue scale: the accounts that break it, judged by the spec.

The monitor judges every violation with the spec itself. Evaluated on every account that
is O(N) (at 100,000 accounts 0.1 to 0.5 s on lanes: each account's numbers converted to
floats), at the event that breaks the invariant and at every event after it while it stays
broken (a crash's liquidations). When the invariants split by account (``lanes.lane_plan``:
the invariant on N accounts is the conjunction over the accounts of the invariant on one),
one account on which the spec says an invariant fails is the spec's verdict that it fails
on the whole state. So with the book's closed form saying the state is broken, the spec is
evaluated exactly (concrete backend) on the accounts the book finds below zero equity
(:func:`breaking`, the deepest first), O(k); only when that does not name every invariant
the spec declares (one holds on every witness, or a per-account invariant, whose alerts
name each account) are all accounts judged, as before. The audit still evaluates every
account every ``audit_every`` events.
"""

from __future__ import annotations

import heapq
from fractions import Fraction
from typing import Any

from solvent.lang.values import BOOL, Value
from solvent.monitor.alerts import plain
from solvent.spec.spec import Spec

#: the accounts an invariant's alert names (and the spec judges first): the deepest
SHOWN = 10


def breaking(book: Any, price: Fraction, k: int = SHOWN) -> list[int]:
    """Up to ``k`` accounts of a :class:`~solvent.monitor.book.PerpBook` below zero equity at
    ``price``, the deepest first (:meth:`~solvent.monitor.tops.Tops.below_zero`)."""
    return book.below_zero(price, k)


def one_state(one: Spec, values: dict[str, Any], backend: Any, a: int) -> dict[str, Any]:
    """Account ``a``'s values as the state of ``one`` (the spec on one account)."""
    from solvent.check.replay import number

    state: dict[str, Any] = {}
    for name, fd in one.fields.items():
        x = values[name][a] if fd.per_account else values[name]
        v = Value(backend, x, BOOL) if fd.sort == BOOL else number(backend, x)
        state[name] = [v] if fd.per_account else v
    return state


def judged(
    one: Spec, values: dict[str, Any], backend: Any, accounts: list[int]
) -> list[str] | None:
    """The spec's invariants that fail, judged exactly on ``accounts`` alone: every
    invariant's name when each fails on one of them (the spec's verdict on the whole state,
    see the module); None when that cannot say (an invariant holds on all of them, or one
    is per account): then every account is judged."""
    from solvent.engine.step import eval_predicate

    params = one.param_values()
    states: dict[int, dict[str, Any]] = {}  # built when first needed (mostly one)
    failed: list[str] = []
    for decl in one.invariants:
        for a in accounts:
            if a not in states:
                states[a] = one_state(one, values, backend, a)
            ((acc, val),) = eval_predicate(one, params, backend, states[a], decl)
            if acc is not None:
                return None
            if not val.raw:
                failed.append(decl.name)
                break
        else:
            return None
    return failed


def account_values(
    spec: Spec, values: dict[str, Any], accounts: list[int], equity: Any = None
) -> dict[str, Any]:
    """The values an invariant's alert shows: every scalar field, and each named account's
    fields (with its ``equity`` when given: account -> number), as exact strings."""
    shared = {n: plain(values[n]) for n, fd in spec.fields.items() if not fd.per_account}
    per = [n for n, fd in spec.fields.items() if fd.per_account]
    each = {}
    for a in accounts:
        row = {n: plain(values[n][a]) for n in per}
        if equity is not None:
            row["equity"] = plain(equity(a))
        each[str(a)] = row
    return {"shared": shared, "accounts": each}
