"""Exact single-lane replays: the trace of one lane of a block, as the concrete judge
re-runs it (:mod:`solvent.stress.confirm`) and ``conform`` checks it."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.spec.spec import Spec
from solvent.stress.blocks import BlockJob


def lane_trace(
    spec: Spec, job: BlockJob, inputs: Any, lane: int, index: int, upto: int, meta: dict[str, Any]
) -> Trace:
    """The exact trace of lane ``lane`` of a block (global path ``index``), first ``upto`` steps.

    Float64 inputs become the exact rationals of the doubles, except an initial value that
    is the double of the spec's own initial ``q``, which starts from ``q`` (the spec's own
    state; the lanes' bounds allow for the difference); a fixed-point job's inputs are
    int64 grid units and become ``units / 10**decimals``: the numbers the lanes used.
    """
    layout = job.layout
    grid = job.grid
    G0, A0, M = inputs.G0[lane], inputs.A0[lane], inputs.M[lane]
    if grid is not None:
        from solvent.stress.grid import lane_rows

        G0, A0, M = lane_rows(inputs, lane)  # exact units, also outside int64

    def exact(x: Any) -> Fraction:
        return Fraction(float(x)) if grid is None else grid.value(x)

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
    from solvent.stress.choosers import oracle_schedule
    from solvent.stress.lanes import keeper_schedule

    live = keeper_schedule(job.steps, job.keeper_period, job.outage_start, job.outage_len)
    oracles = oracle_schedule(job)
    act = getattr(inputs, "act", None)
    steps = []
    for t in range(upto):
        market = {name: exact(M[t, j]) for j, name in enumerate(layout.market)}
        keepers: dict[str, tuple[bool, ...]] = {}
        for kp in spec.keepers:
            if kp.name in oracles:  # an oracle update: offered per its own schedule
                keepers[kp.name] = (bool(oracles[kp.name][t]),)
            elif not live[t]:
                keepers[kp.name] = (False,) * (spec.accounts if kp.n_accounts else 1)
            elif kp.liveness in ("adversarial", "within"):
                keepers[kp.name] = (True,) * (spec.accounts if kp.n_accounts else 1)
        action = None
        if act is not None and act[lane, t] >= 0:  # the user action the lane ran, exactly
            drawn = job.actions[int(act[lane, t])]
            args: dict[str, Any] = {}
            for k, arg in enumerate(drawn.args):
                x = inputs.act_args[lane, t, k]
                if arg.kind == "bool":
                    args[arg.name] = bool(x != 0)
                elif arg.exact is not None and grid is None:
                    args[arg.name] = arg.exact  # a one-point domain: its exact value
                else:
                    args[arg.name] = exact(x)
            action = ActionChoice(drawn.name, drawn.accounts, args)
        steps.append(TraceStep(market, action, keepers))
    params = dict(spec.param_values().as_dict())
    return Trace(spec.name, spec.accounts, init, tuple(steps), params, meta)
