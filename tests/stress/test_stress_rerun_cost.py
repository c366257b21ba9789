"""Issue 16, point 2: an exact re-run costs only the steps up to the lane's first failure.

A lane is re-run over its whole recorded path (a flag float64 raised at step t may be
refuted, and the exact path then break later), but the judge stops at the first step
where a property breaks: a lane the judge confirms at its flagged step runs exactly that
many steps, not the rest of the path.
"""

from __future__ import annotations

import solvent.engine.step as step_mod
from solvent.scenarios import get
from solvent.scenarios.population import Population
from solvent.stress.blocks import draw_block, run_kernel
from solvent.stress.confirm import exact_first_failure
from solvent.stress.exact import lane_trace
from solvent.stress.runner import StressOptions, prepare


def test_exact_rerun_stops_at_the_first_failure(load, monkeypatch) -> None:
    opts = StressOptions(paths=60, steps=30, seed=5, block=60, accounts=4, checkpoint_dir=None)
    spec, job, decls, _n, _e = prepare(load("perp_small"), get("gbm", vol=8.0), Population(), opts)
    x = draw_block(job, 0)
    out = run_kernel(job, x)
    flagged = [
        (lane, int(out["FAIL_STEP"][lane]))
        for lane in range(60)
        if 0 < out["FAIL_STEP"][lane] < job.steps - 5
    ]
    assert len(flagged) >= 3
    real = step_mod.run_step
    calls = []

    def counting(*args, **kw):
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(step_mod, "run_step", counting)
    for lane, step in flagged[:3]:
        calls.clear()
        trace = lane_trace(spec, job, x, lane, lane, job.steps, {})  # the whole path
        assert len(trace.steps) == job.steps
        hit = exact_first_failure(spec, trace, None, decls)
        assert hit is not None and hit.step == step
        assert len(calls) == step < job.steps  # the steps after the failure never ran
