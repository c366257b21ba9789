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

**The verdict stands while nothing it read changes** (round 24). An invariant that fails
on one account's state keeps failing, whatever happens to the other accounts, until that
account's fields or a scalar field the invariant reads (:func:`shared_reads`: the price,
the bad debt, not the liquidation counter) change. So the monitor keeps the
:class:`Verdict` (which invariants failed, on which accounts, and the values they read)
and, while the invariant stays broken, an event that changed none of them costs a
comparison of those few values, O(1): neither the book's closed form nor the spec runs.
An event that changed one (the price, a liquidation of the account it failed on) judges
again: on the same accounts first (one evaluation of the spec on one account), then on
the accounts below zero equity (:func:`breaking`), then on every account, as above.
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Verdict:
    """The spec's verdict that the invariants ``failed`` fail, each on one of ``accounts``,
    and what it read: the scalar fields the invariants read (:func:`shared_reads`) and every
    per-account field of those accounts, as the values (objects) of the state then."""

    failed: list[str]
    accounts: list[int]
    names: tuple[str, ...]  # the scalar fields read
    per: tuple[str, ...]  # the per-account fields
    seen: tuple[Any, ...]

    def stands(self, values: dict[str, Any]) -> bool:
        """Nothing it read changed since: O(fields x accounts), the same objects mostly (a
        state event puts in new ones; equal new values give the same verdict too)."""
        return self.seen == _seen(values, self.names, self.per, self.accounts)


def _seen(
    values: dict[str, Any], names: tuple[str, ...], per: tuple[str, ...], accounts: list[int]
) -> tuple[Any, ...]:
    return tuple(values[n] for n in names) + tuple(values[n][a] for a in accounts for n in per)


def judge(
    one: Spec,
    values: dict[str, Any],
    backend: Any,
    accounts: list[int],
    reads: tuple[str, ...],
) -> Verdict | None:
    """The spec's invariants judged exactly on ``accounts`` alone: the verdict when each
    invariant fails on one of them (the spec's verdict on the whole state, see the module),
    with what it read; None when that cannot say (an invariant holds on all of them, or one
    is per account): then every account is judged."""
    from solvent.engine.step import eval_predicate

    params = one.param_values()
    states: dict[int, dict[str, Any]] = {}  # built when first needed (mostly one)
    failed: list[str] = []
    on: list[int] = []
    for decl in one.invariants:
        for a in accounts:
            if a not in states:
                states[a] = one_state(one, values, backend, a)
            ((acc, val),) = eval_predicate(one, params, backend, states[a], decl)
            if acc is not None:
                return None
            if not val.raw:
                failed.append(decl.name)
                if a not in on:
                    on.append(a)
                break
        else:
            return None
    per = tuple(n for n, fd in one.fields.items() if fd.per_account)
    return Verdict(failed, on, reads, per, _seen(values, reads, per, on))


def shared_reads(one: Spec) -> tuple[str, ...]:
    """The scalar fields the invariants of ``one`` (the spec on one account) read: those
    whose variables occur in the invariants traced on a symbolic state (as
    :func:`~solvent.monitor.lanes.lane_plan` traces them), so an invariant's value is a
    function of them and of the account's fields. Every scalar field when the trace fails."""
    from solvent.backends.modes import symbolic_for
    from solvent.check.encode import Unrolling
    from solvent.check.solving import fresh_context
    from solvent.check.z3terms import constant_ids
    from solvent.engine.step import eval_predicate

    scalars = tuple(n for n, fd in one.fields.items() if not fd.per_account)
    try:
        with fresh_context():
            pre = Unrolling(one, free_init=True).states[0]
            backend, params = symbolic_for(one), one.param_values()
            read: set[int] = set()
            for decl in one.invariants:
                for _, val in eval_predicate(one, params, backend, pre, decl):
                    read |= constant_ids(val.raw, {})
            return tuple(n for n in scalars if constant_ids(pre[n].raw, {}) & read)
    except Exception:  # a trace that fails reads everything: the verdict is judged again
        return scalars


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
