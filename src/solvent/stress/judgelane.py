"""One fixed-point lane on the concrete judge (Python ints): the lanes engine's outputs for
lanes whose int64 numbers overflowed, and exact series of a few lanes. The lane is replayed
as its exact trace (:func:`solvent.stress.exact.row_trace`, the form the exact re-runs of
:mod:`solvent.stress.confirm` use) through the replay's
:class:`~solvent.check.replay.TraceChooser`: one exact single-lane replay."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from solvent.engine.state import StateDict
from solvent.engine.step import eval_predicate, first_broken, run_step
from solvent.engine.trace import ActionChoice
from solvent.lang.domains import AnyBool
from solvent.spec.spec import Params, PredicateDecl, Spec
from solvent.stress.choosers import LaneActions
from solvent.stress.kernel import Layout


def _without_keepers(spec: Spec) -> Spec:
    new = spec._copy()
    new.keepers = []
    return new


def _row_actions(actions: LaneActions | None, lane: int) -> Any:
    """One lane's user actions ``(act row, args row, instances)`` (None: none)."""
    if actions is None:
        return None
    return (actions.act[lane], actions.args[lane], actions.instances)


def row_action_at(grid: Any, actions: Any) -> Callable[[int], ActionChoice | None] | None:
    """One lane's user actions (:func:`_row_actions`, grid units) as the trace records them."""
    if actions is None:
        return None
    act, args, instances = actions

    def action_at(t: int) -> ActionChoice | None:
        i = int(act[t])
        if i < 0:
            return None
        inst = instances[i]
        values = {
            name: bool(args[t, k] != 0) if isinstance(dom, AnyBool) else grid.value(args[t, k])
            for k, (name, dom) in enumerate(inst.action.args.items())
        }
        return ActionChoice(inst.action.name, inst.accounts, values)

    return action_at


def row_run(
    spec: Spec,
    layout: Layout,
    grid: Any,
    rows: Any,
    live: Any,
    actions: Any = None,
    oracles: Any = None,
) -> tuple[Any, StateDict, Any]:
    """The judge, the initial state and the chooser of one fixed-point lane (grid units):
    its exact trace (:func:`solvent.stress.exact.row_trace`) read by the replay's
    :class:`~solvent.check.replay.TraceChooser`."""
    from solvent.backends.fixed import fixed_concrete
    from solvent.check.replay import TraceChooser, initial_concrete
    from solvent.stress.exact import row_trace

    judge = fixed_concrete(grid.decimals)
    action_at = row_action_at(grid, actions)
    trace = row_trace(spec, layout, grid, rows, live, len(live), action_at, None, oracles)
    return judge, initial_concrete(spec, trace, judge), TraceChooser(spec, trace, judge)


def _judge_lane(
    spec: Spec,
    params: Params,
    properties: Sequence[PredicateDecl],
    layout: Layout,
    g0: np.ndarray,
    a0: np.ndarray,
    m: np.ndarray,
    live: np.ndarray,
    c2: np.ndarray,
    cover2_metric: str | None,
    initials: Sequence[PredicateDecl],
    grid: Any,
    actions: Any = None,
    oracles: Any = None,
) -> dict[str, Any]:
    """One fixed-point lane on the concrete judge (Python ints): the engine's outputs.

    The same draws (grid units), keeper schedule, user actions (``actions``, see
    :func:`_row_actions`) and Cover-2 accounts as the lanes; used
    for the lanes that overflowed int64, whose own numbers are garbage.
    """
    n_steps = m.shape[0]
    judge, state, chooser = row_run(spec, layout, grid, (g0, a0, m), live, actions, oracles)
    scale = judge.scale

    def first_failure(state: StateDict, decls: Sequence[PredicateDecl]) -> int:
        hit = first_broken(spec, params, judge, state, decls)  # OVERFLOW holds on the judge
        return -1 if hit is None else hit[0]

    if initials and first_failure(state, list(initials)) >= 0:
        return {"excluded": True}
    num = [(i, f) for i, f in enumerate(layout.globals) if f not in layout.bools]
    lo = {i: state[f].raw for i, f in num}
    hi = dict(lo)
    hit = {i: (0 if state[f].raw <= 0 else -1) for i, f in num}
    fail = (-1, -1)
    k = first_failure(state, properties)
    if k >= 0:
        fail = (0, k)
    for t in range(1, n_steps + 1):
        state = run_step(spec, params, judge, state, t, chooser).state
        if fail[0] < 0:
            k = first_failure(state, properties)
            if k >= 0:
                fail = (t, k)
        for i, f in num:
            v = state[f].raw
            lo[i], hi[i] = min(lo[i], v), max(hi[i], v)
            if hit[i] < 0 and v <= 0:
                hit[i] = t
    n_g = len(layout.globals)
    out_g = np.zeros(n_g)
    t_min, t_max = np.zeros(n_g), np.zeros(n_g)
    t_hit: Any = np.full(n_g, -1, dtype=np.int64)
    for i, f in enumerate(layout.globals):
        raw = state[f].raw
        out_g[i] = float(raw) if f in layout.bools else raw / scale
    for i, _f in num:
        t_min[i], t_max[i], t_hit[i] = lo[i] / scale, hi[i] / scale, hit[i]
    cover2 = 0.0
    if cover2_metric is not None and c2[0] >= 0:
        decl = next(d for d in spec.metrics if d.name == cover2_metric)
        no_keepers = _without_keepers(spec)  # and no user actions
        _judge, state, quiet = row_run(no_keepers, layout, grid, (g0, a0, m), live)
        worst = 0
        for t in range(0, n_steps + 1):
            if t > 0:
                state = run_step(no_keepers, params, judge, state, t, quiet).state
            vals = [v.raw for _a, v in eval_predicate(spec, params, judge, state, decl)]
            worst = max(worst, sum(-vals[int(j)] for j in c2[:2] if vals[int(j)] < 0))
        cover2 = worst / scale
    return {
        "excluded": False, "out_g": out_g, "t_min": t_min, "t_max": t_max, "t_hit": t_hit,
        "cover2": cover2, "fail": fail,
    }  # fmt: skip
