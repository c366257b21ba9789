"""Exact single-lane replays: the trace of one lane of a block, as the concrete judge
re-runs it (:mod:`solvent.stress.confirm`) and ``conform`` checks it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.spec.spec import Spec
from solvent.stress.blocks import BlockJob
from solvent.stress.kernel import Layout


def lane_trace(
    spec: Spec, job: BlockJob, inputs: Any, lane: int, index: int, upto: int, meta: dict[str, Any]
) -> Trace:
    """The exact trace of lane ``lane`` of a block (global path ``index``), first ``upto`` steps.

    Float64 inputs become the exact rationals of the doubles, except an initial value that
    is the double of the spec's own initial ``q``, which starts from ``q`` (the spec's own
    state; the lanes' bounds allow for the difference); a fixed-point job's inputs are
    int64 grid units and become ``units / 10**decimals``: the numbers the lanes used.
    """
    grid = job.grid
    rows = inputs.G0[lane], inputs.A0[lane], inputs.M[lane]
    if grid is not None:
        from solvent.stress.grid import lane_rows

        rows = lane_rows(inputs, lane)  # exact units, also outside int64
    from solvent.stress.choosers import keeper_schedule, oracle_schedule

    live = keeper_schedule(job.steps, job.keeper_period, job.outage_start, job.outage_len)
    oracles = oracle_schedule(job)
    act = getattr(inputs, "act", None)

    def action_at(t: int) -> ActionChoice | None:
        if act is None or act[lane, t] < 0:
            return None
        drawn = job.actions[int(act[lane, t])]  # the user action the lane ran, exactly
        args: dict[str, Any] = {}
        for k, arg in enumerate(drawn.args):
            x = inputs.act_args[lane, t, k]
            if arg.kind == "bool":
                args[arg.name] = bool(x != 0)
            elif arg.exact is not None and grid is None:
                args[arg.name] = arg.exact  # a one-point domain: its exact value
            else:
                args[arg.name] = _exact(grid, x)
        return ActionChoice(drawn.name, drawn.accounts, args)

    return row_trace(spec, job.layout, grid, rows, live, upto, action_at, meta, oracles)


def _exact(grid: Any, x: Any) -> Fraction:
    """A lane number as the judge's: the double's rational, or grid units' value."""
    return Fraction(float(x)) if grid is None else grid.value(x)


def row_trace(
    spec: Spec,
    layout: Layout,
    grid: Any,
    rows: tuple[Any, Any, Any],
    live: Any,
    upto: int,
    action_at: Callable[[int], ActionChoice | None] | None = None,
    meta: dict[str, Any] | None = None,
    oracles: Mapping[str, Any] | None = None,
) -> Trace:
    """The exact trace of one lane's rows ``(G0, A0, M)`` (float64 numbers, or grid units
    with ``grid``), its keeper schedule ``live`` (steps 1..n; an oracle update declared
    with ``@spec.oracle`` follows its own row in ``oracles``) and its user actions
    (``action_at(t)`` for the step ``t + 1``; None: none), first ``upto`` steps: the one
    exact form of a lane that the judge re-runs (:mod:`solvent.stress.confirm`), the
    fixed-point lanes engine replays (:mod:`solvent.stress.judgelane`) and ``conform``
    checks, with :class:`solvent.check.replay.TraceChooser`."""
    G0, A0, M = rows
    from solvent.stress.bounds import exact_initial, initial_exact

    own = initial_exact(spec)  # the spec's own initial values: the lane holds their doubles

    def start(f: str, a: int, x: Any) -> Fraction:
        if grid is not None:
            return grid.value(x)
        entries = own.get(f, ())
        return exact_initial(float(x), entries[a] if a < len(entries) else None)

    init: dict[str, Any] = {}
    for i, f in enumerate(layout.globals):
        v = G0[i]
        init[f] = (float(v) != 0.0) if f in layout.bools else start(f, 0, v)
    for i, f in enumerate(layout.accounts):
        vals = A0[i, :]
        init[f] = tuple(
            (float(x) != 0.0) if f in layout.bools else start(f, a, x) for a, x in enumerate(vals)
        )
    steps = []
    for t in range(upto):
        market = {name: _exact(grid, M[t, j]) for j, name in enumerate(layout.market)}
        keepers: dict[str, tuple[bool, ...]] = {}
        for k in spec.keepers:
            if oracles and k.name in oracles:  # an oracle update: offered per its own schedule
                keepers[k.name] = (bool(oracles[k.name][t]),)
            elif not live[t]:
                keepers[k.name] = (False,) * (spec.accounts if k.n_accounts else 1)
            elif k.liveness in ("adversarial", "within"):
                keepers[k.name] = (True,) * (spec.accounts if k.n_accounts else 1)
        action = None if action_at is None else action_at(t)
        steps.append(TraceStep(market, action, keepers))
    params = dict(spec.param_values().as_dict())
    return Trace(spec.name, spec.accounts, init, tuple(steps), params, {} if meta is None else meta)
