"""Per-step percentile bands of a stress run, for the report's fan charts.

The metrics of a run (:mod:`solvent.stress.runner`) are totals over every path; the
report also shows how the market and the protocol move *over time*: percentile bands of
the price and the insurance fund at each step, liquidations per step, and how the
sampled accounts' start leverage is spread. These come from re-simulating the run's
first block of paths (the same seeded draws as the run, so the same paths) with the
per-step series recorded: at most :data:`SAMPLE` paths with the compiled kernel, fewer
with the NumPy-lanes engine, and for a fixed-point spec (whose lanes run on the exact
judge) :data:`EXACT_LANE_STEPS` lane-steps (none when that is fewer than 4 paths). They are float64 plot data (descriptive, never a checked
result) and say how many paths they cover.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

PERCENTILES = (5, 25, 50, 75, 95)
SAMPLE = 256  # paths re-simulated with the kernel (of the first block)
SAMPLE_LANES = 128  # with the NumPy-lanes engine
EXACT_LANE_STEPS = 1000  # a fixed-point spec: lanes x steps re-run on the exact judge
POINTS = 400  # at most this many steps kept per series
LEVERAGE_EDGES = (0.0, 2.0, 5.0, 10.0, 20.0, math.inf)


def _round(values: np.ndarray) -> list[float | None]:
    return [None if not math.isfinite(v) else float(f"{v:.6g}") for v in values.tolist()]


def bands(
    spec: Any,
    scenario: Any,
    population: Any,
    opts: Any,
    worst: Sequence[int] = (),
    meta: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any] | None, list[Any]]:
    """The bands of the run ``stress(spec, scenario, population, opts)`` (module docstring;
    None when the spec has no price field to draw) and the exact traces of the paths
    ``worst`` (global path indices), whole length, for the report's links."""
    from solvent.stress.blocks import draw_block
    from solvent.stress.runner import lane_trace, prepare

    spec, job, _decls, _notes, engine = prepare(spec, scenario, population, opts)
    traces = []
    for rank, index in enumerate(worst):
        b, lane = divmod(index, job.block)
        x = draw_block(job, b)
        info = dict(meta or {}, path=index, worst_rank=rank + 1)
        info["beyond_envelope"] = bool(x.beyond[lane])
        traces.append(lane_trace(spec, job, x, lane, index, job.steps, info))
    return _bands(spec, job, engine, opts), traces


def _bands(spec: Any, job: Any, engine: str, opts: Any) -> dict[str, Any] | None:
    from solvent.stress.blocks import BlockInputs, draw_block, run_kernel
    from solvent.stress.choosers import oracle_schedule
    from solvent.stress.lanes import lane_actions, lane_series

    layout = job.layout
    names = (opts.price_field, opts.field("insurance"), opts.field("liquidations"))
    fields = [f for f in names if f and f in layout.globals]
    if opts.price_field not in fields:
        return None
    x = draw_block(job, 0)
    kernel = engine == "kernel" and job.kernel is not None and job.grid is None
    n = min(x.M.shape[0], SAMPLE if kernel else SAMPLE_LANES)
    if job.grid is not None:  # fixed point: each lane runs on the exact judge
        n = min(n, EXACT_LANE_STEPS // max(1, job.steps))
        if n < 4:
            return None  # too long a path to re-run a useful sample exactly
    if kernel:
        ser = np.zeros((n, job.steps + 1, len(layout.globals)))
        inputs = BlockInputs(
            x.G0[:n], x.A0[:n], np.ascontiguousarray(x.M[:n]), np.full((n, 2), -1, np.int64),
            np.zeros(n, dtype=bool),
        )  # fmt: skip
        run_kernel(job, inputs, record=np.arange(n, dtype=np.int64), series=ser)
        series = {f: ser[:, :, layout.globals.index(f)] for f in fields}
    else:
        acts = None
        if x.act is not None and x.act_args is not None:
            acts = lane_actions(spec, job, x.act[:n], x.act_args[:n])
        series = lane_series(
            spec, spec.param_values(), layout, x.G0[:n], x.A0[:n], x.M[:n], job.keeper_period,
            job.outage_start, job.outage_len, fields, wide=x.wide, actions=acts,
            oracles=oracle_schedule(job),
        )  # fmt: skip
    steps = job.steps
    every = max(1, math.ceil((steps + 1) / POINTS))
    keep = np.arange(0, steps + 1, every)
    if keep[-1] != steps:
        keep = np.append(keep, steps)
    out: dict[str, Any] = {
        "paths": int(n),
        "of": int(job.paths),
        "how": f"the run's first {n:,} paths (same seeded draws), re-simulated with per-step "
        "series; float64 plot data",
        "percentiles": list(PERCENTILES),
        "step": keep.tolist(),
    }
    for name, key in ((opts.price_field, "price"), (opts.field("insurance"), "insurance")):
        if name in series:
            q = np.nanpercentile(series[name][:, keep], PERCENTILES, axis=0)
            out[key] = [_round(row) for row in q]
    liq = opts.field("liquidations")
    if liq in series:
        inc = np.diff(series[liq], axis=1)  # per step, per path
        edges = np.arange(0, steps + every, every)[: math.ceil(steps / every) + 1]
        edges[-1] = min(edges[-1], steps) if len(edges) > 1 else steps
        per_bin = np.add.reduceat(inc, edges[:-1], axis=1) if steps else inc
        out["liquidations"] = {
            "every": every,
            "start": edges[:-1].tolist(),
            "mean": _round(per_bin.mean(axis=0)),
            "p95": _round(np.percentile(per_bin, 95, axis=0)),
        }
    lev = _leverage(job, x, n)
    if lev is not None:
        out["leverage"] = lev
    return out


def _leverage(job: Any, x: Any, n: int) -> dict[str, Any] | None:
    """The sampled accounts' start leverage (notional / equity) in buckets."""
    layout = job.layout
    if not {"quote", "size"} <= set(layout.accounts) or "price" not in layout.globals:
        return None
    if job.grid is not None:
        return None  # int64 grid units: the start state is drawn in float64 elsewhere
    quote = x.A0[:n, layout.accounts.index("quote"), :]
    size = x.A0[:n, layout.accounts.index("size"), :]
    price = x.G0[:n, layout.globals.index("price")][:, None]
    notional = np.abs(size) * price
    equity = quote + size * price
    open_ = notional > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        leverage = np.where(equity > 0, notional / equity, np.inf)
    leverage, notional = leverage[open_], notional[open_]
    if not leverage.size:
        return None
    edges = np.asarray(LEVERAGE_EDGES)
    which = np.clip(np.searchsorted(edges, leverage, side="right") - 1, 0, len(edges) - 2)
    total = float(notional.sum())
    buckets = []
    for b in range(len(edges) - 1):
        mine = which == b
        buckets.append(
            {
                "lo": float(edges[b]),
                "hi": None if math.isinf(edges[b + 1]) else float(edges[b + 1]),
                "accounts": int(mine.sum()),
                "notional": float(f"{notional[mine].sum():.6g}"),
                "notional_share": float(f"{notional[mine].sum() / total:.6g}") if total else 0.0,
            }
        )
    return {"accounts": int(leverage.size), "buckets": buckets}
