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
from typing import Any

import numpy as np

from solvent.backends.vector import VECTOR, Bounded, BoundedVectorBackend
from solvent.engine.state import StateDict
from solvent.engine.step import eval_predicate, run_step
from solvent.lang.values import BOOL, NUM, Value
from solvent.spec.spec import Params, PredicateDecl, Spec
from solvent.stress import budget
from solvent.stress.bounds import initial_exact
from solvent.stress.choosers import (
    LaneActions,
    LaneChooser,
    _input,
    keeper_schedule,
    lane_actions,
)
from solvent.stress.grid import OVERFLOW
from solvent.stress.judgelane import _judge_lane, _row_actions, _without_keepers, row_run
from solvent.stress.kernel import Layout

__all__ = [  # with the choosers and the judge lane they use (moved to their own modules)
    "LaneActions", "LaneChooser", "_judge_lane", "_row_actions", "keeper_schedule",
    "lane_actions", "lane_series", "run_lanes",
]  # fmt: skip


def _lanes(x: Any, n: int) -> np.ndarray:
    if isinstance(x, Bounded):
        x = x.v
    return np.broadcast_to(np.asarray(x), (n,))


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
    first: Any = np.full(n, -1, dtype=np.int64)
    for k, decl in enumerate(properties):
        if decl is OVERFLOW:  # reported by the fixed-point engine itself
            continue
        bad: Any = np.zeros(n, dtype=bool)
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
    oracles: dict[str, np.ndarray] | None = None,
    until: float | None = None,
) -> dict[str, np.ndarray]:
    """Run one block of lanes; the outputs of the compiled kernel (float64 numbers).

    ``actions``: the lanes' sampled user actions (``--action-rate P > 0``); None: none.
    ``until``: the run's deadline (``--timeout``), looked at before each step: raises
    :class:`solvent.stress.budget.OutOfTime` once it passed (the block is not finished).

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
    chooser = LaneChooser(M, layout.market, live, backend, actions, oracles)
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

    # the first invariant failure, checked on after a lemma's (the kernel's INV)
    lemmas = {d.name for d in spec_n.lemmas}
    inv_k = [k for k, d in enumerate(properties) if d.name not in lemmas and d is not OVERFLOW]
    inv_step = np.full(n, -1, dtype=np.int64)
    inv_prop = np.full(n, -1, dtype=np.int64)

    def check(step: int) -> None:
        first = _failures(spec_n, params, state, properties, n, backend)
        new = (fail_step < 0) & (first >= 0) & ~over()  # an overflowed lane holds garbage
        fail_step[new] = step
        fail_prop[new] = first[new]
        if inv_k:
            if inv_k != list(range(len(inv_k))):  # invariants not first: check them alone
                hit = _failures(spec_n, params, state, [properties[k] for k in inv_k], n, backend)
                first = np.where(hit >= 0, np.asarray(inv_k)[np.maximum(hit, 0)], -1)
            new = (inv_step < 0) & (first >= 0) & np.isin(first, inv_k) & ~over()
            inv_step[new] = step
            inv_prop[new] = first[new]

    unsure(0)
    unsure_initial = unsure_step == 0  # the @initial conditions' decisions
    check(0)
    unsure(0)
    track(0)
    for t in range(1, n_steps + 1):
        if budget.passed(until):
            raise budget.OutOfTime
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
                C2[lane], cover2_metric, initials, grid, _row_actions(actions, lane), oracles,
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
            inv_step[lane], inv_prop[lane] = -2, -1  # not known: unsure (re-run exactly)
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
    inv_unsure = np.where((inv_step >= 0) & (unsure_step > inv_step), -1, unsure_step)
    inv = np.stack((np.maximum(inv_step, -1), inv_prop, np.where(inv_step == -2, 0, inv_unsure))).T
    inv[excluded] = -1
    # like the kernel: undecided decisions after the flagged step do not count
    unsure_step[(fail_step >= 0) & (unsure_step > fail_step)] = -1
    return {
        "OUT_G": out_g, "FAIL_STEP": fail_step, "FAIL_PROP": fail_prop,
        "T_MIN": t_min, "T_MAX": t_max, "T_HIT": t_hit, "COVER2": cover2,
        "UNSURE": unsure_step, "INV": inv,
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
    oracles: dict[str, np.ndarray] | None = None,
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
        from solvent.stress.grid import INT64_MIN, Grid

        assert spec.decimals is not None  # a fixed-point spec has its decimals
        grid = Grid(spec.decimals, (), (), (), ())  # the scale is all the replay reads
        for lane in range(n):
            rows = (wide or {}).get(lane, (G0[lane], A0[lane], M[lane]))
            if lane not in (wide or {}) and any((r == INT64_MIN).any() for r in rows):
                for f in fields:
                    out[f][lane] = np.nan
                continue
            judge, state, chooser = row_run(
                spec_n, layout, grid, rows, live, _row_actions(actions, lane), oracles
            )
            for t in range(n_steps + 1):
                if t > 0:
                    state = run_step(spec_n, params, judge, state, t, chooser).state
                for f in fields:
                    out[f][lane, t] = state[f].raw / judge.scale
        return out
    state = _initial_state(layout, G0, A0, VECTOR)
    chooser = LaneChooser(M, layout.market, live, VECTOR, actions, oracles)
    for f in fields:
        out[f][:, 0] = _lanes(state[f].raw, n)
    for t in range(1, n_steps + 1):
        state = run_step(spec_n, params, VECTOR, state, t, chooser).state
        for f in fields:
            out[f][:, t] = _lanes(state[f].raw, n)
    return out
