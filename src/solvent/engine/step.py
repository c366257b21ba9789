"""The one transition every check shares.

A step is: the market tick (envelope draws), the keepers per their liveness (every
account in order), then at most one user-action instance; the invariants are checked
on the state after the step. Choices (draws, adversarial keeper firings, which action
with which arguments) come from a :class:`Chooser`: read from a trace when replaying,
fresh solver variables when model checking.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, ParamSpec, Protocol

from solvent.engine.state import MarketView, StateDict, StateView, copy_state
from solvent.errors import (
    InvariantTypeError,
    SolventError,
    SpecError,
    describe_raised,
    location_of_exception,
    spec_raised,
)
from solvent.lang.functions import when
from solvent.lang.guards import guard_frame, no_guards
from solvent.lang.values import BOOL, Value, lift
from solvent.spec.spec import ActionDecl, Instance, Params, PredicateDecl, Spec

P = ParamSpec("P")
# a body's run: (the new state, the fields it wrote, its guard frame or its guard)
Ran = tuple[StateDict, set[tuple[str, int | None]], Any]


class Chooser(Protocol):
    def market(self, t: int, name: str) -> Value: ...
    def adversarial(self, t: int, keeper: str, account: int | None) -> Value: ...
    def every_step(self, t: int, keeper: str, account: int | None) -> Value | None: ...
    def candidates(self, t: int) -> Sequence[tuple[int, Instance]]: ...
    def selected(self, t: int, index: int) -> Value: ...
    def args(self, t: int, action: ActionDecl) -> dict[str, Value]: ...


@dataclass(slots=True)
class StepOutcome:
    """What happened in one step (values of the backend that ran it)."""

    state: StateDict
    market: dict[str, Value]
    fired: dict[tuple[str, int | None], Value]  # keeper firings (after guards)
    enabled: dict[int, Value]  # user-action instance index -> enabled (selected & guards)


def sorts_of(spec: Spec) -> dict[str, str]:
    return {name: fd.sort for name, fd in spec.fields.items()}


def call_user(
    what: str, where: str | None, fn: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    """Call spec code; turn a non-solvent exception into a SpecError naming the spec line."""
    try:
        return fn(*args, **kwargs)
    except SolventError:
        raise
    except BaseException as exc:  # noqa: BLE001 - any error in user code is a spec error
        if not spec_raised(exc):
            raise
        loc = location_of_exception(exc) or where
        raise SpecError(f"{what} raised {describe_raised(exc)}", where=loc) from exc


def run_body(
    decl: ActionDecl,
    state: StateDict,
    sorts: dict[str, str],
    backend: Any,
    params: Params,
    accounts: tuple[int, ...],
    args: dict[str, Value],
    n_accounts: int | None = None,
) -> Ran:
    """Run one action/keeper body on a copy of ``state``: (new, written, its guard frame,
    whose ``conditions`` and ``reasons`` are each ``requires`` in order)."""
    new = copy_state(state)
    view = StateView(new, sorts, backend, writable=True, accounts=n_accounts)
    with guard_frame(decl.name) as frame:
        call_user(f"{decl.kind} {decl.name}", decl.where, decl.fn, view, params, *accounts, **args)
    return new, view._written, frame


def _with_guard(body: Callable[P, Ran]) -> Callable[P, Ran]:
    """``body`` answering its guard (the conjunction of its ``requires``, True when none)
    in place of its guard frame."""

    @functools.wraps(body)
    def run(*args: P.args, **kwargs: P.kwargs) -> Ran:
        new, written, frame = body(*args, **kwargs)
        guard: Any = True
        for c in frame.conditions:
            guard = c if guard is True else (guard & c)
        return new, written, guard

    run.__name__ = run.__qualname__ = "run_guarded"
    run.__doc__ = "Run one action/keeper body on a copy of ``state``; return (new, written, guard)."
    return run


run_guarded = _with_guard(run_body)


def merge(
    enabled: Any, new: StateDict, old: StateDict, written: set[tuple[str, int | None]]
) -> StateDict:
    """Commit the written fields of ``new`` where ``enabled`` holds."""
    if enabled is True:
        return new
    decided = getattr(enabled, "raw", None)  # a concrete judge's condition is a Python bool
    if decided is True:
        return new
    if decided is False:
        return old  # nothing committed (callers never write into a state in place)
    out = copy_state(old)
    for name, index in sorted(written, key=lambda w: (w[0], -1 if w[1] is None else w[1])):
        if index is None:
            out[name] = when(enabled, new[name], old[name])
        else:
            out[name][index] = when(enabled, new[name][index], old[name][index])
    return out


def run_step(
    spec: Spec, params: Params, backend: Any, state: StateDict, t: int, chooser: Chooser
) -> StepOutcome:
    s, market, fired = before_actions(spec, params, backend, state, t, chooser)
    after, enabled = user_actions(spec, params, backend, s, t, chooser)
    return StepOutcome(after, market, fired, enabled)


def before_actions(
    spec: Spec, params: Params, backend: Any, state: StateDict, t: int, chooser: Chooser
) -> tuple[StateDict, dict[str, Value], dict[tuple[str, int | None], Value]]:
    """Step ``t`` up to its user action: (the state after the tick and the keepers, the
    market, the keepers' firings); none of it depends on the step's user action."""
    sorts = sorts_of(spec)
    market = {name: chooser.market(t, name) for name in spec.bounds}
    s = copy_state(state)
    for tick in spec.ticks:
        view = StateView(s, sorts, backend, writable=True, accounts=spec.accounts)
        mview = MarketView(market)
        with no_guards(tick.name):
            if tick.takes_params:
                call_user(f"tick {tick.name}", tick.where, tick.fn, view, params, mview)
            else:
                call_user(f"tick {tick.name}", tick.where, tick.fn, view, mview)
    fired: dict[tuple[str, int | None], Value] = {}
    for keeper in spec.keepers:
        accounts: list[int | None] = list(range(spec.accounts)) if keeper.n_accounts else [None]
        for a in accounts:
            accs = () if a is None else (a,)
            new, written, guard = run_guarded(
                keeper, s, sorts, backend, params, accs, {}, spec.accounts
            )
            en = lift(guard, backend=backend) if isinstance(guard, bool) else guard
            if keeper.liveness == "adversarial":
                en = en & chooser.adversarial(t, keeper.name, a)
            elif keeper.liveness == "within":
                needed = en
                en, s = _bounded(keeper, s, a, needed, chooser, t)
                new = _with_late(new, s, keeper, a)
            else:
                liveness = chooser.every_step(t, keeper.name, a)
                if liveness is not None:
                    en = en & liveness
            s = merge(en, new, s, written)
            fired[(keeper.name, a)] = en
    return s, market, fired


def user_actions(
    spec: Spec, params: Params, backend: Any, s: StateDict, t: int, chooser: Chooser
) -> tuple[StateDict, dict[int, Value]]:
    """Step ``t``'s user action from ``s``, the state after the keepers
    (``before_actions``): (the state after it, each candidate instance's enabling)."""
    sorts = sorts_of(spec)
    enabled: dict[int, Value] = {}
    after = s
    # one set of argument values per action declaration, shared by its instances (keyed
    # by the declaration itself: two actions never share arguments, whatever their names)
    arg_cache: dict[int, dict[str, Value]] = {}
    # lanes choosers: the body's decisions count only where the instance was chosen
    focus = getattr(chooser, "focus", None)
    for index, inst in chooser.candidates(t):
        act = inst.action
        if id(act) not in arg_cache:
            arg_cache[id(act)] = chooser.args(t, act)
        with focus(t, index) if focus is not None else nullcontext():
            new, written, guard = run_guarded(
                act, s, sorts, backend, params, inst.accounts, arg_cache[id(act)], spec.accounts
            )
        en = chooser.selected(t, index)
        if guard is not True:
            en = en & guard
        enabled[index] = en
        after = merge(en, new, after, written)
    return after, enabled


def _bounded(
    keeper: ActionDecl, s: StateDict, a: int | None, needed: Value, chooser: Chooser, t: int
) -> tuple[Value, StateDict]:
    """A ``within=k`` keeper: runs where needed and (chosen, or late ``k`` steps already).

    Returns its firing and ``s`` with the counter updated: one more where it was needed and
    skipped, else 0. A chooser with ``bounded(keeper, forced)`` (the solver's) may weaken
    the forcing into a named assumption, ``keeper.NAME.within`` (``oracle.NAME.within``).
    """
    late = s[keeper.late] if a is None else s[keeper.late][a]
    forced = late >= keeper.within
    assume = getattr(chooser, "bounded", None)
    if assume is not None:
        forced = assume(t, keeper.assumption, forced)
    runs = chooser.adversarial(t, keeper.name, a) | forced
    fired = needed & runs
    counted = when(needed & ~runs, late + 1, late * 0)
    out = copy_state(s)
    if a is None:
        out[keeper.late] = counted
    else:
        out[keeper.late][a] = counted
    return fired, out


def _with_late(new: StateDict, s: StateDict, keeper: ActionDecl, a: int | None) -> StateDict:
    """``new`` (the keeper's run) carrying the counter of ``s``."""
    out = copy_state(new)
    if a is None:
        out[keeper.late] = s[keeper.late]
    else:
        out[keeper.late][a] = s[keeper.late][a]
    return out


def eval_predicate(
    spec: Spec, params: Params, backend: Any, state: StateDict, decl: PredicateDecl
) -> list[tuple[int | None, Any]]:
    """Evaluate one predicate/metric; per-account ones give one result per account."""
    view = StateView(state, sorts_of(spec), backend, writable=False, accounts=spec.accounts)
    accounts: list[int | None] = list(range(spec.accounts)) if decl.per_account else [None]
    out = []
    for a in accounts:
        args: tuple[Any, ...] = (view,)
        if decl.takes_params:
            args = (view, params)
        if a is not None:
            args = (*args, a)
        with no_guards(decl.name):
            result = call_user(f"{decl.kind} {decl.name}", decl.where, decl.fn, *args)
        if decl.kind != "metric":
            result = check_bool(decl, result, backend)
        out.append((a, result))
    return out


def first_broken(
    spec: Spec, params: Params, backend: Any, state: StateDict, decls: Sequence[PredicateDecl]
) -> tuple[int, int | None] | None:
    """The first of ``decls`` a concrete ``state`` breaks: (its index, the account), or None."""
    for k, decl in enumerate(decls):
        for acc, val in eval_predicate(spec, params, backend, state, decl):
            if not val.raw:
                return k, acc
    return None


def check_bool(decl: PredicateDecl, result: Any, backend: Any) -> Value:
    if isinstance(result, bool):
        return lift(result, backend=backend)
    if isinstance(result, Value) and result.sort == BOOL:
        return result
    got = (
        "None (missing `return`?)"
        if result is None
        else ("a number" if isinstance(result, Value) else type(result).__name__)
    )
    raise InvariantTypeError(
        f"{decl.kind} {decl.name} must return a condition (Bool), e.g. `return s.x >= 0`; "
        f"it returned {got}. Invariants return a Bool and never assert",
        where=decl.where,
    )


def conjunction(values: Sequence[Any], backend: Any) -> Value:
    result: Any = True
    for v in values:
        result = v if result is True else (result & v)
    return lift(result, backend=backend) if isinstance(result, bool) else result


def require_spec_sane(spec: Spec) -> None:
    """Static checks that need no backend."""
    if not spec.fields:
        raise SpecError(
            f"spec {spec.name} declares no state (@{spec.name}.state)", where=spec.where
        )
    if not spec.invariants:
        raise SpecError(
            f"spec {spec.name} declares no invariant; add one with @spec.invariant",
            where=spec.where,
        )
