"""Exact replays of a certain lane on its cone of influence: the accounts that matter, at
the steps they matter.

A certain lane (every float64 decision certain up to its flagged step ``t``, see
:mod:`solvent.stress.bounds`) takes on the judge exactly the branches it took in float64.
When the compiled kernel's shape says the accounts interact only through the globals
their keepers write (:attr:`solvent.stress.kernel.KernelSource.cone`: the tick and the
keepers read no fold over accounts and write no account's fields, each per-account
keeper reads and writes its own account, every property is per account or a conjunction
over accounts) and no user action runs, an account's fields change only at the steps its
own keeper acts, and a keeper whose guard is (certainly) false writes nothing. The kernel
records, per account, the first and the last step its keeper acted (``TOUCH``): outside
that *window* the account's keeper does nothing on the judge either, so the judge runs,
at each step ``s <= t``, the tick, the global keepers and the keepers of the accounts
whose window holds ``s`` only (:func:`_active`); the other accounts keep their fields.
The globals come out as on the whole lane, since the keepers that write them run in the
same order on the same values. At ``t`` the properties are evaluated on the whole state:
the judge must break the flagged property there. Before ``t`` every property held, by the
bounds (the lane is certain). A spec whose per-account initial values differ (no smaller
spec to run a step on) falls back to the whole lane (:data:`FALLBACK`).

For a perp whose keeper liquidates an account once, the window is that one step: the
judge's work is the price path plus one account-step per liquidation, instead of every
account at every step. A keeper counting its late steps (``within=k``, whose counter moves
on steps it does not act; such specs run on the NumPy lanes today) falls back too.

This is what :func:`solvent.stress.confirm._traces` runs for the certain violations it
shows; its cost is the account-steps of the windows instead of all of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from solvent.check.replay import Failure, TraceChooser
from solvent.engine.trace import Trace
from solvent.lang.values import Value
from solvent.spec.spec import Spec
from solvent.stress import budget
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


def windows(job: BlockJob, inputs: Any, lane: int, upto: int) -> dict[int, tuple[int, int]]:
    """The accounts whose keeper acted at some step ``<= upto`` on lane ``lane`` of a
    block, each with the first and the last such step (float64 run of that lane alone,
    recorded: ``TOUCH``)."""
    sl = slice(lane, lane + 1)
    one = BlockInputs(
        inputs.G0[sl], inputs.A0[sl], np.ascontiguousarray(inputs.M[sl]),
        np.full((1, 2), -1, dtype=np.int64), np.zeros(1, dtype=bool),
    )  # fmt: skip
    n_g = len(job.layout.globals)
    touch = np.full((1, 2, inputs.A0.shape[2]), -1, dtype=np.int64)
    run_kernel(
        job, one, record=np.zeros(1, dtype=np.int64),
        series=np.zeros((1, job.steps + 1, n_g)), touch=touch,
    )  # fmt: skip
    first, last = touch[0].tolist()
    return {
        a: (f, last) for a, (f, last) in enumerate(zip(first, last, strict=True)) if 0 <= f <= upto
    }


def cone(job: BlockJob, inputs: Any, lane: int, upto: int) -> list[int]:
    """The accounts whose keeper acted at some step ``<= upto`` on lane ``lane`` of a
    block (see :func:`windows`)."""
    return sorted(windows(job, inputs, lane, upto))


def _active(won: dict[int, tuple[int, int]], upto: int) -> list[list[int]]:
    """Per step ``t = 1..upto`` (index ``t - 1``), the accounts the judge runs at ``t``:
    those whose window of keeper actions holds ``t``, else account 0 (no keeper acts at
    ``t``: any account will do, its keeper does nothing)."""
    out = []
    for t in range(1, upto + 1):
        on = [a for a, (f, last) in sorted(won.items()) if f <= t <= last]
        out.append(on or [0])
    return out


class _Mapped(TraceChooser):
    """A trace's choices seen through the accounts run at a step (``map``: small index ->
    account of the trace)."""

    map: list[int] = []

    def adversarial(self, t: int, keeper: str, account: int | None) -> Value:
        return super().adversarial(t, keeper, None if account is None else self.map[account])

    def every_step(self, t: int, keeper: str, account: int | None) -> Value | None:
        return super().every_step(t, keeper, None if account is None else self.map[account])


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
    of accounts in the cone and the account-steps the judge ran (the second and third
    items)."""
    from solvent.check.replay import initial_concrete
    from solvent.engine.step import first_broken, run_step
    from solvent.errors import UsageError

    upto = len(trace.steps)
    won = windows(job, inputs, lane, upto)
    params = spec.param_values()
    whole = initial_concrete(spec, trace, backend)
    if spec.initials and first_broken(spec, params, backend, whole, spec.initials) is not None:
        return None, 0, 0  # not a path of the spec
    if any(k.liveness == "within" for k in spec.keepers):
        return FALLBACK, 0, 0  # a late-step counter moves on steps its keeper does not act
    active = _active(won, upto)
    small: dict[int, Spec] = {}
    chooser = _Mapped(spec, trace, backend)
    per = [f for f, fd in spec.fields.items() if fd.per_account]
    work = 0
    for t, on in enumerate(active, start=1):
        if budget.passed(deadline):
            raise out_of_time
        n = len(on)
        if n not in small:
            try:
                small[n] = spec.with_accounts(n)
            except UsageError:  # per-account initial values differ: no smaller spec
                return FALLBACK, 0, 0
        state = {f: ([v[a] for a in on] if f in per else v) for f, v in whole.items()}
        chooser.map = on
        state = run_step(small[n], params, backend, state, t, chooser).state
        for f, v in state.items():
            if f in per:
                for i, a in enumerate(on):
                    whole[f][a] = v[i]
            else:
                whole[f] = v
        work += n
    hit = first_broken(spec, params, backend, whole, decls)
    if hit is None:
        return None, len(won), work
    return Failure(decls[hit[0]].name, hit[1], upto), len(won), work
