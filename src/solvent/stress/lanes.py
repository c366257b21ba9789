"""The NumPy-lanes engine: the spec's own functions on the vector backend.

This runs :func:`solvent.engine.step.run_step` itself with every state value a float64
lane array (one lane per path), so it supports any spec; it is the reference the numba
kernel is checked against, and the fallback when a spec does not fit the kernel's shape.
It is slow with many accounts (a Python loop over accounts per step).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from solvent.backends.vector import VECTOR
from solvent.engine.state import StateDict
from solvent.engine.step import eval_predicate, run_step
from solvent.lang.values import BOOL, NUM, Value
from solvent.spec.spec import ActionDecl, Instance, Params, PredicateDecl, Spec
from solvent.stress.kernel import Layout


class LaneChooser:
    """Market draws from the sampled array; keepers live per the frictions; no user actions."""

    def __init__(self, M: np.ndarray, market: Sequence[str], live: np.ndarray) -> None:
        self.M = M
        self.index = {name: j for j, name in enumerate(market)}
        self.live = live

    def market(self, t: int, name: str) -> Value:
        return Value(VECTOR, np.ascontiguousarray(self.M[:, t - 1, self.index[name]]), NUM)

    def adversarial(self, t: int, keeper: str, account: int | None) -> Value:
        return Value(VECTOR, np.bool_(self.live[t - 1]), BOOL)

    def every_step(self, t: int, keeper: str, account: int | None) -> Value | None:
        return Value(VECTOR, np.bool_(self.live[t - 1]), BOOL)

    def candidates(self, t: int) -> Sequence[tuple[int, Instance]]:
        return []

    def selected(self, t: int, index: int) -> Value:  # pragma: no cover - no candidates
        raise AssertionError("no user actions in stress runs")

    def args(self, t: int, action: ActionDecl) -> dict[str, Value]:  # pragma: no cover
        return {}


def keeper_schedule(n_steps: int, period: int, outage_start: int, outage_len: int) -> np.ndarray:
    """Whether keepers run at steps 1..n (the kernel computes the same expression)."""
    t = np.arange(1, n_steps + 1)
    return (t % period == 0) & ~((outage_start <= t) & (t < outage_start + outage_len))


def _lanes(x: Any, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(x), (n,))


def _failures(
    spec: Spec, params: Params, state: StateDict, properties: Sequence[PredicateDecl], n: int
) -> np.ndarray:
    """Index of the first failing property per lane (-1: none)."""
    first = np.full(n, -1, dtype=np.int64)
    for k, decl in enumerate(properties):
        bad = np.zeros(n, dtype=bool)
        for _acc, val in eval_predicate(spec, params, VECTOR, state, decl):
            bad |= ~_lanes(val.raw, n).astype(bool)
        first = np.where((first < 0) & bad, k, first)
    return first


def run_lanes(
    spec: Spec,
    params: Params,
    properties: Sequence[PredicateDecl],
    layout: Layout,
    G0: np.ndarray,
    A0: np.ndarray,
    M: np.ndarray,
    KP: int,
    OS: int,
    OL: int,
    C2: np.ndarray,
    cover2_metric: str | None,
    initials: Sequence[PredicateDecl] = (),
) -> dict[str, np.ndarray]:
    n, n_steps = M.shape[0], M.shape[1]
    n_acc = A0.shape[2]
    spec_n = spec if spec.accounts == n_acc else spec.with_accounts(n_acc)
    state: StateDict = {}
    for i, f in enumerate(layout.globals):
        col = G0[:, i] != 0.0 if f in layout.bools else G0[:, i].copy()
        state[f] = Value(VECTOR, col, BOOL if f in layout.bools else NUM)
    for i, f in enumerate(layout.accounts):
        sort = BOOL if f in layout.bools else NUM
        state[f] = [
            Value(VECTOR, (A0[:, i, a] != 0.0) if sort == BOOL else A0[:, i, a].copy(), sort)
            for a in range(n_acc)
        ]
    live = keeper_schedule(n_steps, KP, OS, OL)
    chooser = LaneChooser(M, layout.market, live)
    num = [(i, f) for i, f in enumerate(layout.globals) if f not in layout.bools]
    n_g = len(layout.globals)
    t_min = np.zeros((n, n_g))
    t_max = np.zeros((n, n_g))
    t_hit = np.full((n, n_g), -1, dtype=np.int64)

    def track(step: int) -> None:
        for i, f in num:
            v = _lanes(state[f].raw, n)
            if step == 0:
                t_min[:, i] = v
                t_max[:, i] = v
            else:
                t_min[:, i] = np.minimum(t_min[:, i], v)
                t_max[:, i] = np.maximum(t_max[:, i], v)
            t_hit[:, i] = np.where((t_hit[:, i] < 0) & (v <= 0.0), step, t_hit[:, i])

    fail_step = np.full(n, -1, dtype=np.int64)
    fail_prop = np.full(n, -1, dtype=np.int64)
    excluded = (
        _failures(spec_n, params, state, list(initials), n) >= 0
        if initials
        else np.zeros(n, dtype=bool)
    )

    def check(step: int) -> None:
        first = _failures(spec_n, params, state, properties, n)
        new = (fail_step < 0) & (first >= 0)
        fail_step[new] = step
        fail_prop[new] = first[new]

    check(0)
    track(0)
    for t in range(1, n_steps + 1):
        out = run_step(spec_n, params, VECTOR, state, t, chooser)
        state = out.state
        check(t)
        track(t)
    out_g = np.zeros((n, n_g))
    for i, f in enumerate(layout.globals):
        out_g[:, i] = _lanes(state[f].raw, n).astype(np.float64)
    cover2 = np.zeros(n)
    if cover2_metric is not None and (C2[:, 0] >= 0).any():
        cover2 = _cover2_lanes(spec_n, params, layout, G0, A0, M, C2, cover2_metric)
    if excluded.any():  # not paths of the spec: the kernel's defaults
        for arr, value in (
            (out_g, 0.0),
            (fail_prop, -1),
            (t_min, 0.0),
            (t_max, 0.0),
            (t_hit, -1),
            (cover2, 0.0),
        ):
            arr[excluded] = value
        fail_step[excluded] = -2
    return {
        "OUT_G": out_g, "FAIL_STEP": fail_step, "FAIL_PROP": fail_prop,
        "T_MIN": t_min, "T_MAX": t_max, "T_HIT": t_hit, "COVER2": cover2,
    }  # fmt: skip


def _cover2_lanes(
    spec: Spec,
    params: Params,
    layout: Layout,
    G0: np.ndarray,
    A0: np.ndarray,
    M: np.ndarray,
    C2: np.ndarray,
    metric: str,
) -> np.ndarray:
    """Keeper-free path of the two chosen accounts: the worst sum of their deficits."""
    decl = next(m for m in spec.metrics if m.name == metric)
    n, n_steps = M.shape[0], M.shape[1]
    n_acc = A0.shape[2]
    state: StateDict = {}
    for i, f in enumerate(layout.globals):
        col = G0[:, i] != 0.0 if f in layout.bools else G0[:, i].copy()
        state[f] = Value(VECTOR, col, BOOL if f in layout.bools else NUM)
    for i, f in enumerate(layout.accounts):
        sort = BOOL if f in layout.bools else NUM
        state[f] = [
            Value(VECTOR, A0[:, i, a] != 0.0 if sort == BOOL else A0[:, i, a].copy(), sort)
            for a in range(n_acc)
        ]
    chooser = LaneChooser(M, layout.market, np.zeros(n_steps, dtype=bool))
    rows = np.arange(n)
    worst = np.zeros(n)
    no_keepers = _without_keepers(spec)
    for t in range(0, n_steps + 1):
        if t > 0:
            state = run_step(no_keepers, params, VECTOR, state, t, chooser).state
        vals = np.stack(
            [_lanes(v.raw, n) for _a, v in eval_predicate(spec, params, VECTOR, state, decl)],
            axis=1,
        )
        tot = np.zeros(n)
        for j in range(2):
            eq = vals[rows, np.maximum(C2[:, j], 0)]
            tot = tot + np.where(eq < 0.0, -eq, 0.0)
        worst = np.maximum(worst, tot)
    return np.where(C2[:, 0] >= 0, worst, 0.0)


def _without_keepers(spec: Spec) -> Spec:
    new = spec._copy()
    new.keepers = []
    return new


def lane_series(
    spec: Spec,
    params: Params,
    layout: Layout,
    G0: np.ndarray,
    A0: np.ndarray,
    M: np.ndarray,
    KP: int,
    OS: int,
    OL: int,
    fields: Sequence[str],
) -> dict[str, np.ndarray]:
    """Per-step values (step 0 included) of scalar ``fields`` on a few lanes, in float64."""
    n, n_steps = M.shape[0], M.shape[1]
    n_acc = A0.shape[2]
    spec_n = spec if spec.accounts == n_acc else spec.with_accounts(n_acc)
    state: StateDict = {}
    for i, f in enumerate(layout.globals):
        col = G0[:, i] != 0.0 if f in layout.bools else G0[:, i].copy()
        state[f] = Value(VECTOR, col, BOOL if f in layout.bools else NUM)
    for i, f in enumerate(layout.accounts):
        sort = BOOL if f in layout.bools else NUM
        state[f] = [
            Value(VECTOR, A0[:, i, a] != 0.0 if sort == BOOL else A0[:, i, a].copy(), sort)
            for a in range(n_acc)
        ]
    chooser = LaneChooser(M, layout.market, keeper_schedule(n_steps, KP, OS, OL))
    out = {f: np.zeros((n, n_steps + 1)) for f in fields}
    for f in fields:
        out[f][:, 0] = _lanes(state[f].raw, n)
    for t in range(1, n_steps + 1):
        state = run_step(spec_n, params, VECTOR, state, t, chooser).state
        for f in fields:
            out[f][:, t] = _lanes(state[f].raw, n)
    return out
