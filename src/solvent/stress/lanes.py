"""The NumPy-lanes engine: the spec's own functions on the vector backend.

This runs :func:`solvent.engine.step.run_step` itself with every state value a float64
lane array (one lane per path), so it supports any spec; it is the reference the numba
kernel is checked against, and the fallback when a spec does not fit the kernel's shape.
It is slow with many accounts (a Python loop over accounts per step).

Fixed-point specs (``arithmetic="fixed"``) run here too, on the int64 rule table
:class:`solvent.backends.vector_fixed.FixedVectorBackend` (pass ``backend`` and ``grid``
to :func:`run_lanes`; the inputs are int64 grid units, see :mod:`solvent.stress.grid`).
A lane whose computation leaves int64 holds garbage: it never records a failure from its
own numbers; it is reported under the pseudo-property
:data:`solvent.stress.grid.OVERFLOW` at the last step (so the exact re-run covers the
whole path), and its metric outputs are recomputed on the concrete judge (Python ints),
so the metrics stay exact. Lanes that do not overflow agree exactly with the judge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from solvent.backends.vector import VECTOR, Bounded, BoundedVectorBackend
from solvent.engine.state import StateDict
from solvent.engine.step import eval_predicate, first_broken, run_step
from solvent.lang.domains import AnyBool
from solvent.lang.values import BOOL, NUM, Value
from solvent.spec.spec import ActionDecl, Instance, Params, PredicateDecl, Spec
from solvent.stress.bounds import initial_error, initial_exact
from solvent.stress.grid import OVERFLOW
from solvent.stress.kernel import Layout


@dataclass(slots=True)
class LaneActions:
    """The user actions of a block's lanes (``--action-rate P > 0``).

    ``act``: ``(lanes, steps)`` index into ``instances`` (-1: no action); ``args``:
    ``(lanes, steps, slots)``, the k-th argument of the chosen action (float64 numbers or
    int64 grid units; booleans 0/1); ``rest[name]``: per argument of action ``name``, the
    value the lanes that do not run it compute with (0 or the domain bound nearest it;
    their results are discarded, the value only keeps their numbers tame).
    """

    act: np.ndarray
    args: np.ndarray
    instances: Sequence[Instance]
    rest: dict[str, tuple[Any, ...]]
    # per argument of action ``name``: the error bound of its float64 value (a one-point
    # domain's exact value the trace records, see solvent.stress.bounds; else 0)
    errors: dict[str, tuple[float, ...]] | None = None

    def of_action(self, t: int, name: str) -> np.ndarray:
        col = self.act[:, t - 1]
        mine = np.zeros(col.shape, dtype=bool)
        for i, inst in enumerate(self.instances):
            if inst.action.name == name:
                mine |= col == i
        return mine


def lane_actions(
    spec: Spec, job: Any, act: np.ndarray | None, args: np.ndarray | None
) -> LaneActions | None:
    """The :class:`LaneActions` of a block's inputs (None: no user actions)."""
    if act is None or args is None or not job.actions:
        return None
    by_key = {(inst.action.name, inst.accounts): inst for inst in spec.instances()}
    instances = [by_key[(a.name, a.accounts)] for a in job.actions]
    fixed = job.grid is not None
    from solvent.stress.bounds import literal_error

    rest: dict[str, tuple[Any, ...]] = {}
    errors: dict[str, tuple[float, ...]] = {}
    for a in job.actions:
        rest[a.name] = tuple(np.int64(x.rest_units()) if fixed else float(x.rest()) for x in a.args)
        errors[a.name] = tuple(
            literal_error(x.exact) if x.exact is not None and not fixed else 0.0 for x in a.args
        )
    return LaneActions(act, args, instances, rest, errors)


class LaneChooser:
    """Market draws from the sampled array; keepers live per the frictions; the sampled
    user actions (none unless ``actions`` is given: ``--action-rate P > 0``).

    ``M`` is ``(lanes, steps, fields)`` and every value a lane array; :class:`_RowChooser`
    is the same for one lane on a scalar backend.
    """

    def __init__(
        self,
        M: np.ndarray,
        market: Sequence[str],
        live: np.ndarray,
        backend: Any = VECTOR,
        actions: LaneActions | None = None,
    ) -> None:
        self.M = M
        self.index = {name: j for j, name in enumerate(market)}
        self.live = live
        self.backend = backend
        self.actions = actions

    def market(self, t: int, name: str) -> Value:
        col = np.ascontiguousarray(self.M[:, t - 1, self.index[name]])
        return Value(self.backend, _input(self.backend, col), NUM)

    def adversarial(self, t: int, keeper: str, account: int | None) -> Value:
        return Value(self.backend, np.bool_(self.live[t - 1]), BOOL)

    def every_step(self, t: int, keeper: str, account: int | None) -> Value | None:
        return self.adversarial(t, keeper, account)

    def candidates(self, t: int) -> Sequence[tuple[int, Instance]]:
        """The instances some lane chose at step ``t`` (the others are selected nowhere)."""
        if self.actions is None:
            return []
        col = self.actions.act[:, t - 1]
        return [(int(i), self.actions.instances[int(i)]) for i in np.unique(col[col >= 0])]

    def selected(self, t: int, index: int) -> Value:
        assert self.actions is not None, "no user actions in this run"
        return Value(self.backend, self.actions.act[:, t - 1] == index, BOOL)

    def args(self, t: int, action: ActionDecl) -> dict[str, Value]:
        """Per-lane arguments: the drawn ones where the lane runs ``action``."""
        if self.actions is None:
            return {}
        mine = self.actions.of_action(t, action.name)
        rest = self.actions.rest[action.name]
        out = {}
        for k, (name, dom) in enumerate(action.args.items()):
            raw = np.where(mine, self.actions.args[:, t - 1, k], rest[k])
            if isinstance(dom, AnyBool):
                out[name] = Value(self.backend, raw != 0, BOOL)
            elif isinstance(self.backend, BoundedVectorBackend):
                errs = self.actions.errors or {}
                err = errs.get(action.name, (0.0,) * (k + 1))[k]
                e = np.where(mine, err, 0.0) if err else 0.0
                out[name] = Value(self.backend, Bounded(np.ascontiguousarray(raw), e), NUM)
            else:
                out[name] = Value(self.backend, np.ascontiguousarray(raw), NUM)
        return out


def keeper_schedule(n_steps: int, period: int, outage_start: int, outage_len: int) -> np.ndarray:
    """Whether keepers run at steps 1..n (the kernel computes the same expression)."""
    t = np.arange(1, n_steps + 1)
    return (t % period == 0) & ~((outage_start <= t) & (t < outage_start + outage_len))


def _lanes(x: Any, n: int) -> np.ndarray:
    if isinstance(x, Bounded):
        x = x.v
    return np.broadcast_to(np.asarray(x), (n,))


def _input(backend: Any, col: np.ndarray, exact: Any = None) -> Any:
    """A number input of the lanes; on the bounded backend with its bound: 0 for a drawn
    double (the judge gets it exactly), the spec literal's error where the lane holds
    ``float(q)`` of the spec's own initial ``q`` (``exact``; see ``bounds.initial_exact``)."""
    if not isinstance(backend, BoundedVectorBackend):
        return col
    return Bounded(col, initial_error(col, exact))


def _initial_state(
    layout: Layout,
    G0: np.ndarray,
    A0: np.ndarray,
    backend: Any,
    exact: dict[str, tuple[Any, ...]] | None = None,
) -> StateDict:
    """The lanes' state at step 0 (``G0``/``A0``: float64 numbers or int64 grid units);
    ``exact``: the spec's own initial values (``bounds.initial_exact``), for the bounds."""
    n_acc = A0.shape[2]
    exact = exact or {}

    def q(f: str, a: int) -> Any:
        entries = exact.get(f, ())
        return entries[a] if a < len(entries) else None

    state: StateDict = {}
    for i, f in enumerate(layout.globals):
        if f in layout.bools:
            state[f] = Value(backend, G0[:, i] != 0.0, BOOL)
        else:
            state[f] = Value(backend, _input(backend, G0[:, i].copy(), q(f, 0)), NUM)
    for i, f in enumerate(layout.accounts):
        state[f] = [
            Value(backend, A0[:, i, a] != 0.0, BOOL)
            if f in layout.bools
            else Value(backend, _input(backend, A0[:, i, a].copy(), q(f, a)), NUM)
            for a in range(n_acc)
        ]
    return state


def _failures(
    spec: Spec,
    params: Params,
    state: StateDict,
    properties: Sequence[PredicateDecl],
    n: int,
    backend: Any = VECTOR,
) -> np.ndarray:
    """Index of the first failing property per lane (-1: none)."""
    first = np.full(n, -1, dtype=np.int64)
    for k, decl in enumerate(properties):
        if decl is OVERFLOW:  # reported by the fixed-point engine itself
            continue
        bad = np.zeros(n, dtype=bool)
        for _acc, val in eval_predicate(spec, params, backend, state, decl):
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
    backend: Any = None,
    overflow: np.ndarray | None = None,
    grid: Any = None,
    wide: dict[int, Any] | None = None,
    actions: LaneActions | None = None,
) -> dict[str, np.ndarray]:
    """Run one block of lanes; the outputs of the compiled kernel (float64 numbers).

    ``actions``: the lanes' sampled user actions (``--action-rate P > 0``); None: none.

    ``backend``/``grid``/``overflow`` (fixed-point specs): the run's
    :class:`~solvent.backends.vector_fixed.FixedVectorBackend` (its overflow mask is reset
    here), the :class:`~solvent.stress.grid.Grid`, the lanes whose draws already left
    int64 and their exact rows (``wide``). ``None``: the float64 vector backend.
    """
    n, n_steps = M.shape[0], M.shape[1]
    n_acc = A0.shape[2]
    spec_n = spec if spec.accounts == n_acc else spec.with_accounts(n_acc)
    fixed = backend is not None
    if backend is None:  # float64 with error bounds: the lanes whose decisions were unsure
        backend = BoundedVectorBackend()
        backend.reset(n)
    else:
        backend.reset()
    over0 = np.zeros(n, dtype=bool) if overflow is None else np.asarray(overflow, dtype=bool)

    def over() -> np.ndarray:
        """Lanes overflowed so far (fixed point; none in float64)."""
        if not fixed:
            return np.zeros(n, dtype=bool)
        return over0 | _lanes(backend.overflow, n)

    unsure_step = np.full(n, -1, dtype=np.int64)

    def unsure(step: int) -> None:
        """Record the step of each lane's first decision that was not certain (float64)."""
        if not fixed:
            new = (unsure_step < 0) & _lanes(backend.unsure, n)
            unsure_step[new] = step

    def number(raw: Any) -> np.ndarray:
        v = _lanes(raw, n)
        return grid.to_float(v) if fixed else v

    state = _initial_state(layout, G0, A0, backend, None if fixed else initial_exact(spec_n))
    live = keeper_schedule(n_steps, KP, OS, OL)
    chooser = LaneChooser(M, layout.market, live, backend, actions)
    num = [(i, f) for i, f in enumerate(layout.globals) if f not in layout.bools]
    n_g = len(layout.globals)
    t_min = np.zeros((n, n_g))
    t_max = np.zeros((n, n_g))
    t_hit = np.full((n, n_g), -1, dtype=np.int64)

    def track(step: int) -> None:
        for i, f in num:
            v = number(state[f].raw)
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
        _failures(spec_n, params, state, list(initials), n, backend) >= 0
        if initials
        else np.zeros(n, dtype=bool)
    )

    def check(step: int) -> None:
        first = _failures(spec_n, params, state, properties, n, backend)
        new = (fail_step < 0) & (first >= 0) & ~over()  # an overflowed lane holds garbage
        fail_step[new] = step
        fail_prop[new] = first[new]

    unsure(0)
    unsure_initial = unsure_step == 0  # the @initial conditions' decisions
    check(0)
    unsure(0)
    track(0)
    for t in range(1, n_steps + 1):
        out = run_step(spec_n, params, backend, state, t, chooser)
        state = out.state
        check(t)
        unsure(t)
        track(t)
    out_g = np.zeros((n, n_g))
    for i, f in enumerate(layout.globals):
        out_g[:, i] = number(state[f].raw).astype(np.float64)
    cover2 = np.zeros(n)
    if cover2_metric is not None and (C2[:, 0] >= 0).any():
        cover2 = _cover2_lanes(
            spec_n, params, layout, G0, A0, M, C2, cover2_metric,
            backend if fixed else VECTOR, number,
        )  # fmt: skip
    if fixed:
        flagged = over()  # the main run and the Cover-2 run
        excluded &= ~flagged
        for lane in np.flatnonzero(flagged).tolist():
            g0, a0, m = (wide or {}).get(lane, (G0[lane], A0[lane], M[lane]))
            exact = _judge_lane(
                spec_n, params, properties, layout, g0, a0, m, live,
                C2[lane], cover2_metric, initials, grid, _row_actions(actions, lane),
            )  # fmt: skip
            if exact["excluded"]:
                excluded[lane] = True
                continue
            out_g[lane], t_min[lane], t_max[lane] = exact["out_g"], exact["t_min"], exact["t_max"]
            t_hit[lane], cover2[lane] = exact["t_hit"], exact["cover2"]
            if OVERFLOW in properties:  # flagged: re-run exactly over the whole path
                fail_step[lane], fail_prop[lane] = n_steps, list(properties).index(OVERFLOW)
            else:
                fail_step[lane], fail_prop[lane] = exact["fail"]
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
        # like the kernel: an excluded lane is unsure only through its @initial decisions
        unsure_step[excluded] = np.where(unsure_initial[excluded], 0, -1)
    # like the kernel: undecided decisions after the flagged step do not count
    unsure_step[(fail_step >= 0) & (unsure_step > fail_step)] = -1
    return {
        "OUT_G": out_g, "FAIL_STEP": fail_step, "FAIL_PROP": fail_prop,
        "T_MIN": t_min, "T_MAX": t_max, "T_HIT": t_hit, "COVER2": cover2,
        "UNSURE": unsure_step,
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
    backend: Any = VECTOR,
    number: Any = None,
) -> np.ndarray:
    """Keeper-free path of the two chosen accounts: the worst sum of their deficits."""
    decl = next(m for m in spec.metrics if m.name == metric)
    n, n_steps = M.shape[0], M.shape[1]
    state = _initial_state(layout, G0, A0, backend)
    chooser = LaneChooser(M, layout.market, np.zeros(n_steps, dtype=bool), backend)
    rows = np.arange(n)
    worst = np.zeros(n)
    no_keepers = _without_keepers(spec)
    read = number if number is not None else (lambda raw: _lanes(raw, n))
    for t in range(0, n_steps + 1):
        if t > 0:
            state = run_step(no_keepers, params, backend, state, t, chooser).state
        vals = np.stack(
            [read(v.raw) for _a, v in eval_predicate(spec, params, backend, state, decl)],
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
    wide: dict[int, Any] | None = None,
    actions: LaneActions | None = None,
) -> dict[str, np.ndarray]:
    """Per-step values (step 0 included) of scalar ``fields`` on a few lanes, in float64.

    ``actions``: the lanes' user actions (rows in the order of the lanes); None: none.

    A fixed-point spec (inputs in int64 grid units) runs each lane on the concrete judge
    (exact, no overflow). A lane with an input outside int64 (an entry equal to the
    sentinel ``INT64_MIN``, see :mod:`solvent.stress.grid`) needs its exact rows in
    ``wide`` (row index -> :func:`solvent.stress.grid.lane_rows`); without them its series
    is NaN (plot data only, never a checked result).
    """
    n, n_steps = M.shape[0], M.shape[1]
    n_acc = A0.shape[2]
    spec_n = spec if spec.accounts == n_acc else spec.with_accounts(n_acc)
    live = keeper_schedule(n_steps, KP, OS, OL)
    out = {f: np.zeros((n, n_steps + 1)) for f in fields}
    if getattr(spec, "arithmetic", "exact") == "fixed":
        from solvent.backends.fixed import fixed_concrete
        from solvent.stress.grid import INT64_MIN

        judge = fixed_concrete(spec.decimals)
        for lane in range(n):
            rows = (wide or {}).get(lane, (G0[lane], A0[lane], M[lane]))
            if lane not in (wide or {}) and any((r == INT64_MIN).any() for r in rows):
                for f in fields:
                    out[f][lane] = np.nan
                continue
            state = _row_state(judge, layout, rows[0], rows[1])
            chooser = _RowChooser(judge, rows[2], layout.market, live, _row_actions(actions, lane))
            for t in range(n_steps + 1):
                if t > 0:
                    state = run_step(spec_n, params, judge, state, t, chooser).state
                for f in fields:
                    out[f][lane, t] = state[f].raw / judge.scale
        return out
    state = _initial_state(layout, G0, A0, VECTOR)
    chooser = LaneChooser(M, layout.market, live, VECTOR, actions)
    for f in fields:
        out[f][:, 0] = _lanes(state[f].raw, n)
    for t in range(1, n_steps + 1):
        state = run_step(spec_n, params, VECTOR, state, t, chooser).state
        for f in fields:
            out[f][:, t] = _lanes(state[f].raw, n)
    return out


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
    ) -> None:
        super().__init__(M, market, live, backend)
        self.row = actions

    def market(self, t: int, name: str) -> Value:
        return Value(self.backend, int(self.M[t - 1, self.index[name]]), NUM)

    def adversarial(self, t: int, keeper: str, account: int | None) -> Value:
        return Value(self.backend, bool(self.live[t - 1]), BOOL)

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
    chooser = _RowChooser(judge, m, layout.market, live, actions)
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
    t_hit = np.full(n_g, -1, dtype=np.int64)
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
