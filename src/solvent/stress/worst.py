"""The worst paths of a stress run (largest bad debt), with their float64 series."""

from __future__ import annotations

from typing import Any

import numpy as np

from solvent.spec.spec import Spec
from solvent.stress.blocks import BlockJob, draw_block
from solvent.stress.options import StressOptions


def worst_paths(
    spec: Spec, job: BlockJob, worst: list[list[Any]], opts: StressOptions, limit: int = 3
) -> list[dict[str, Any]]:
    """The paths with the largest bad debt, with their price and insurance series.

    The series are float64 (data for plots): recorded by the kernel, or by the
    NumPy-lanes engine when it runs; ``bad_debt`` is the path's float64 bad debt. Whether
    the path breaks an invariant exactly is what the confirmation reports.
    """
    from solvent.stress.choosers import oracle_schedule
    from solvent.stress.lanes import lane_actions, lane_series

    picked = worst[:limit]
    if not picked:
        return []
    fields = [f for f in (opts.price_field, opts.field("insurance")) if f in job.layout.globals]
    rows: list[Any] = []
    wide: dict[int, Any] = {}  # fixed point: exact units of lanes whose draws left int64
    acts: list[tuple[np.ndarray, np.ndarray]] = []
    for index, _loss in picked:
        b, lane = divmod(index, job.block)
        x = draw_block(job, b)
        if x.wide and lane in x.wide:
            wide[len(rows)] = x.wide[lane]
        if x.act is not None and x.act_args is not None:  # the user actions the lane ran
            acts.append((x.act[lane], x.act_args[lane]))
        rows.append((x.G0[lane], x.A0[lane], x.M[lane], x.beyond[lane]))
    G0 = np.stack([r[0] for r in rows])
    A0 = np.stack([r[1] for r in rows])
    M = np.stack([r[2] for r in rows])
    series: dict[str, np.ndarray] = {}
    if fields and job.kernel is not None:
        from solvent.stress.blocks import BlockInputs, run_kernel

        n = len(rows)
        ser = np.zeros((n, job.steps + 1, len(job.layout.globals)))
        inputs = BlockInputs(
            G0,
            A0,
            np.ascontiguousarray(M),
            np.full((n, 2), -1, dtype=np.int64),
            np.zeros(n, dtype=bool),
        )
        run_kernel(job, inputs, record=np.arange(n, dtype=np.int64), series=ser)
        series = {f: ser[:, :, job.layout.globals.index(f)] for f in fields}
    elif fields:
        series = lane_series(
            spec,
            spec.param_values(),
            job.layout,
            G0,
            A0,
            M,
            job.keeper_period,
            job.outage_start,
            job.outage_len,
            fields,
            wide=wide,
            oracles=oracle_schedule(job),
            actions=lane_actions(
                spec,
                job,
                np.stack([a for a, _ in acts]) if acts else None,
                np.stack([g for _, g in acts]) if acts else None,
            ),
        )
    out = []
    for k, (index, loss) in enumerate(picked):
        item: dict[str, Any] = {
            "path": index,
            "seed": job.seed,
            "bad_debt": loss,
            "beyond_envelope": bool(rows[k][3]),
        }
        if opts.price_field in series:
            item["prices"] = series[opts.price_field][k].tolist()
        ins = opts.field("insurance")
        if ins is not None and ins in series:
            item["insurance"] = series[ins][k].tolist()
        out.append(item)
    return out
