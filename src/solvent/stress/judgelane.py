"""One fixed-point lane on the concrete judge (Python ints): the lanes engine's outputs for
lanes whose int64 numbers overflowed, and exact series of a few lanes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from solvent.engine.state import StateDict
from solvent.engine.step import eval_predicate, first_broken, run_step
from solvent.lang.domains import AnyBool
from solvent.lang.values import BOOL, NUM, Value
from solvent.spec.spec import ActionDecl, Instance, Params, PredicateDecl, Spec
from solvent.stress.choosers import LaneActions, LaneChooser
from solvent.stress.kernel import Layout


def _without_keepers(spec: Spec) -> Spec:
    new = spec._copy()
    new.keepers = []
    return new


def _row_state(judge: Any, layout: Layout, g0: Any, a0: Any) -> StateDict:
    """One lane's initial state on the concrete judge (``g0``/``a0`` in grid units)."""
    state: StateDict = {}
    for i, f in enumerate(layout.globals):
        state[f] = (
            Value(judge, bool(g0[i]), BOOL) if f in layout.bools else Value(judge, int(g0[i]), NUM)
        )
    for i, f in enumerate(layout.accounts):
        state[f] = [
            Value(judge, bool(x), BOOL) if f in layout.bools else Value(judge, int(x), NUM)
            for x in a0[i]
        ]
    return state


def _row_actions(actions: LaneActions | None, lane: int) -> Any:
    """One lane's user actions for :class:`_RowChooser` (None: none)."""
    if actions is None:
        return None
    return (actions.act[lane], actions.args[lane], actions.instances)


class _RowChooser(LaneChooser):
    """One lane's market draws (``M``: ``(steps, fields)``, grid units), keeper schedule
    and user actions (``actions``: ``(act row, args row, instances)``, grid units), for the
    concrete judge."""

    def __init__(
        self,
        backend: Any,
        M: np.ndarray,
        market: Sequence[str],
        live: np.ndarray,
        actions: Any = None,
        oracles: Any = None,
    ) -> None:
        super().__init__(M, market, live, backend, oracles=oracles)
        self.row = actions

    def market(self, t: int, name: str) -> Value:
        return Value(self.backend, int(self.M[t - 1, self.index[name]]), NUM)

    def adversarial(self, t: int, keeper: str, account: int | None) -> Value:
        return Value(self.backend, bool(self.live_at(t, keeper)), BOOL)

    def candidates(self, t: int) -> Sequence[tuple[int, Instance]]:
        if self.row is None or int(self.row[0][t - 1]) < 0:
            return []
        i = int(self.row[0][t - 1])
        return [(i, self.row[2][i])]

    def selected(self, t: int, index: int) -> Value:
        return Value(self.backend, True, BOOL)

    def args(self, t: int, action: ActionDecl) -> dict[str, Value]:
        out = {}
        for k, (name, dom) in enumerate(action.args.items()):
            x = self.row[1][t - 1, k]
            out[name] = (
                Value(self.backend, bool(x), BOOL)
                if isinstance(dom, AnyBool)
                else Value(self.backend, int(x), NUM)
            )
        return out


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
    from solvent.backends.fixed import fixed_concrete

    judge = fixed_concrete(grid.decimals)
    scale = judge.scale
    n_steps = m.shape[0]

    def fresh() -> StateDict:
        return _row_state(judge, layout, g0, a0)

    def first_failure(state: StateDict, decls: Sequence[PredicateDecl]) -> int:
        hit = first_broken(spec, params, judge, state, decls)  # OVERFLOW holds on the judge
        return -1 if hit is None else hit[0]

    state = fresh()
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
    chooser = _RowChooser(judge, m, layout.market, live, actions, oracles)
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
        no_keepers = _without_keepers(spec)
        quiet = _RowChooser(judge, m, layout.market, np.zeros(n_steps, dtype=bool))
        state = fresh()
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
