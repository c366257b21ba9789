"""Exact replays of a certain lane on its cone of influence: the accounts that matter.

A certain lane (every float64 decision certain up to its flagged step ``t``, see
:mod:`solvent.stress.bounds`) takes on the judge exactly the branches it took in float64.
When the compiled kernel's shape says the accounts interact only through the globals
their keepers write (:attr:`solvent.stress.kernel.KernelSource.cone`: the tick and the
keepers read no fold over accounts, each per-account keeper reads and writes its own
account, every property is per account or a conjunction over accounts) and no user
action runs, an account whose keeper never acted up to ``t`` (its guard certainly false at
every step) keeps its initial fields and writes no global. So the judge's globals and the
other accounts' fields are the same on the lane restricted to the accounts whose keeper
acted (the **cone**, recorded by the kernel: ``TOUCH``), and only those are re-run up to
``t``. At ``t`` the properties are evaluated on the whole state (the cone's fields, the
others' initial ones): the judge must break the flagged property there. Before ``t``,
the properties on the cone must hold (a conjunction over fewer accounts); the other
accounts' terms are certain by the bounds. A replay that does not fit (an early failure
on the cone) falls back to the whole lane.

This is what :func:`solvent.stress.confirm._traces` runs for the certain violations it
shows; the cost is proportional to the cone's accounts instead of all of them.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from solvent.check.replay import Failure
from solvent.engine.trace import Trace, TraceStep
from solvent.spec.spec import Spec
from solvent.stress.blocks import BlockInputs, BlockJob, run_kernel

FALLBACK = "fallback"  # the cone replay does not apply: replay the whole lane


def applies(job: BlockJob) -> bool:
    """Whether lanes of ``job`` may replay on their cone (see the module docstring)."""
    kernel = job.kernel
    return (
        kernel is not None
        and kernel.cone
        and job.grid is None
        and not (job.action_rate > 0 and job.actions)
    )


def cone(job: BlockJob, inputs: Any, lane: int, upto: int) -> list[int]:
    """The accounts whose keeper acted at some step ``<= upto`` on lane ``lane`` of a
    block (float64 run of that lane alone, recorded)."""
    sl = slice(lane, lane + 1)
    one = BlockInputs(
        inputs.G0[sl], inputs.A0[sl], np.ascontiguousarray(inputs.M[sl]),
        np.full((1, 2), -1, dtype=np.int64), np.zeros(1, dtype=bool),
    )  # fmt: skip
    n_g = len(job.layout.globals)
    touch = np.full((1, inputs.A0.shape[2]), -1, dtype=np.int64)
    run_kernel(
        job, one, record=np.zeros(1, dtype=np.int64),
        series=np.zeros((1, job.steps + 1, n_g)), touch=touch,
    )  # fmt: skip
    return [a for a, t in enumerate(touch[0].tolist()) if 0 <= t <= upto]


def restrict(spec: Spec, trace: Trace, keep: list[int]) -> tuple[Spec, Trace]:
    """``spec`` and ``trace`` on the accounts ``keep`` only (in their order)."""
    small = spec.with_accounts(len(keep))
    per = {k.name for k in spec.keepers if k.n_accounts}
    init = {
        f: (tuple(v[a] for a in keep) if spec.fields[f].per_account else v)
        for f, v in trace.init.items()
    }
    steps = tuple(
        TraceStep(
            st.market,
            st.action,
            {k: (tuple(v[a] for a in keep) if k in per else v) for k, v in st.keepers.items()},
        )
        for st in trace.steps
    )
    return small, Trace(trace.spec, len(keep), init, steps, trace.params, trace.meta)


def cone_failure(
    spec: Spec,
    job: BlockJob,
    inputs: Any,
    lane: int,
    trace: Trace,
    decls: list[Any],
    backend: Any,
    deadline: float | None,
    out_of_time: type[Exception],
) -> Any:
    """The judge's failure at the last step of ``trace`` (a certain lane up to its flagged
    step), replayed on the lane's cone on the judge ``backend``
    (:func:`solvent.stress.confirm.judge_for`): a :class:`~solvent.check.replay.Failure`, None
    (the whole state breaks nothing there), or :data:`FALLBACK`. Also returns the number
    of accounts re-run (the second item)."""
    from solvent.check.replay import TraceChooser, initial_concrete
    from solvent.engine.step import first_broken, run_step

    upto = len(trace.steps)
    keep = cone(job, inputs, lane, upto) or [0]
    params = spec.param_values()
    whole = initial_concrete(spec, trace, backend)
    if spec.initials and first_broken(spec, params, backend, whole, spec.initials) is not None:
        return None, 0  # not a path of the spec
    from solvent.errors import UsageError

    try:
        small, sub = restrict(spec, trace, keep)
    except UsageError:  # per-account initial values differ: no smaller spec
        return FALLBACK, 0
    names = [d.name for d in decls]
    own = {d.name: d for d in small.properties()}
    sdecls = [own[n] for n in names if n in own]
    if len(sdecls) != len(decls):
        return FALLBACK, 0
    state = initial_concrete(small, sub, backend)
    chooser = TraceChooser(small, sub, backend)
    for t in range(upto + 1):
        if t > 0:
            if deadline is not None and time.monotonic() > deadline:
                raise out_of_time
            state = run_step(small, params, backend, state, t, chooser).state
        if t < upto and first_broken(small, params, backend, state, sdecls) is not None:
            return FALLBACK, len(keep)  # fails on the cone before the flag: not this shape
    for f, v in state.items():
        if spec.fields[f].per_account:
            merged = list(whole[f])
            for i, a in enumerate(keep):
                merged[a] = v[i]
            whole[f] = merged
        else:
            whole[f] = v
    hit = first_broken(spec, params, backend, whole, decls)
    if hit is None:
        return None, len(keep)
    return Failure(decls[hit[0]].name, hit[1], upto), len(keep)
