"""Where `solvent conform` gets its traces.

* ``random_traces``: random paths with random user actions, seeded (``--traces``,
  ``--seed``): draws and arguments mix the domain's corners, zero and random numbers on a
  decimal grid (the spec's own grid in fixed-point mode), so rounding is exercised; a
  fixed-point spec's are drawn as arrays (:mod:`solvent.conform.draws`);
* ``corner_traces``: envelope-corner (bang-bang) paths: every draw at a bound of its
  envelope, in fixed patterns (all up, all down, alternating, a run then a reversal),
  with random actions;
* ``bmc_traces``: one bmc counterexample per property (``--depth``);
* keepers and oracle updates declared ``within=K`` are skipped in the random and corner
  paths as their declaration allows (:func:`skips`): never more than ``K`` steps in a row,
  at random, or as late as allowed on the corner paths;
* trace files (``--trace``), loaded by the CLI with :func:`solvent.engine.trace.loads`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from solvent.conform.draws import Drawn, Draws, drawable
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.lang.domains import Within
from solvent.spec.spec import Spec


def _grid(spec: Spec) -> int:
    """Denominator random numbers are drawn on: the spec's grid, at most 10^6."""
    return 10 ** min(spec.decimals or 6, 6)


def _number(rng: random.Random, dom: Within, denom: int) -> Fraction:
    """A number of ``dom``: a corner, zero, a round number or a random grid point."""
    r = rng.random()
    lo, hi = dom.lo, dom.hi
    if r < 0.12:
        return lo
    if r < 0.24:
        return hi
    if r < 0.30 and lo <= 0 <= hi:
        return Fraction(0)
    if r < 0.50:  # a round number (few decimals): what users type
        d = 10 ** rng.randint(0, 2)
        a, b = _steps(dom, d)
        if a <= b:
            return Fraction(rng.randint(a, b), d)
    a, b = _steps(dom, denom)
    if a > b:
        return lo
    return Fraction(rng.randint(a, b), denom)


_STEPS: dict[tuple[int, int], tuple[Within, int, int]] = {}


def _steps(dom: Within, d: int) -> tuple[int, int]:
    """The first and last multiple of ``1/d`` in ``dom``, in units of ``1/d`` (cached per
    domain object: hashing its Fractions would cost as much as computing them)."""
    got = _STEPS.get((id(dom), d))
    if got is None or got[0] is not dom:
        if len(_STEPS) > 4096:
            _STEPS.clear()
        got = (dom, int(-(-dom.lo * d // 1)), int(dom.hi * d // 1))
        _STEPS[(id(dom), d)] = got
    return got[1], got[2]


def initial_state(spec: Spec, rng: random.Random) -> dict[str, Any]:
    denom = _grid(spec)
    init: dict[str, Any] = {}
    for name, fd in spec.fields.items():
        vals: list[Any] = []
        for dom in fd.init:
            if isinstance(dom, Within):
                vals.append(_number(rng, dom, denom))
            elif fd.sort == "bool" and not isinstance(dom, bool):
                vals.append(rng.random() < 0.5)
            else:
                vals.append(dom)
        init[name] = tuple(vals) if fd.per_account else vals[0]
    return init


def _action(spec: Spec, rng: random.Random, instances: list[Any]) -> ActionChoice:
    denom = _grid(spec)
    inst = instances[rng.randrange(len(instances))]
    args: dict[str, Any] = {}
    for name, dom in inst.action.args.items():
        args[name] = _number(rng, dom, denom) if isinstance(dom, Within) else rng.random() < 0.5
    return ActionChoice(inst.action.name, inst.accounts, args)


def skips(spec: Spec, rng: random.Random | None, steps: int) -> list[dict[str, tuple[bool, ...]]]:
    """Per step, whether each ``within=K`` keeper (or oracle update) is chosen to run, per
    account: at most ``K`` skips in a row, so the implementation is never asked to go
    longer without one than the declaration allows. ``rng``: skip at random (a fair coin
    while allowed); None: the latest allowed (run only at steps ``t % (K + 1) == 0``)."""
    out: list[dict[str, tuple[bool, ...]]] = [{} for _ in range(steps)]
    for kp in spec.keepers:
        if kp.liveness != "within" or kp.within is None:
            continue
        for _ in range(spec.accounts if kp.n_accounts else 1):
            run = 0  # skips in a row so far
            for t in range(steps):
                if rng is None:
                    chosen = (t + 1) % (kp.within + 1) == 0
                else:
                    chosen = run >= kp.within or rng.random() < 0.5
                run = 0 if chosen else run + 1
                out[t][kp.name] = (*out[t].get(kp.name, ()), chosen)
    return out


def _trace(
    spec: Spec,
    rng: random.Random,
    markets: list[dict[str, Fraction]],
    action_rate: float,
    source: str,
    latest: bool = False,
) -> Trace:
    instances = spec.instances()
    steps = []
    for market in markets:
        act = _action(spec, rng, instances) if instances and rng.random() < action_rate else None
        steps.append(TraceStep(market, act))
    params = spec.param_values().as_dict()
    init = initial_state(spec, rng)
    # drawn last: the paths of a spec without `within` declarations are what they were
    chosen = skips(spec, None if latest else rng, len(steps))
    steps = [
        TraceStep(st.market, st.action, c) if c else st for st, c in zip(steps, chosen, strict=True)
    ]
    return Trace(spec.name, spec.accounts, init, tuple(steps), params, {"source": source})


def random_traces(
    spec: Spec, n: int, steps: int, seed: int, action_rate: float = 0.6
) -> Iterator[Trace]:
    """``n`` random traces of ``steps`` steps (trace ``i`` depends on ``seed`` and ``i`` only):
    drawn as arrays for a fixed-point spec on its grid (:mod:`solvent.conform.draws`)."""
    if drawable(spec):
        draws = Draws(spec, steps, seed, action_rate)
        for i in range(n):
            yield draws.trace(i)
        return
    denom = _grid(spec)
    for i in range(n):
        rng = random.Random(f"solvent-conform-{seed}-{i}")
        markets = [
            {k: _number(rng, dom, denom) for k, dom in spec.bounds.items()} for _ in range(steps)
        ]
        yield _trace(spec, rng, markets, action_rate, f"random #{i + 1} (seed {seed})")


def random_items(
    spec: Spec, n: int, steps: int, seed: int, action_rate: float = 0.6
) -> Iterator[tuple[str, Trace | Drawn]]:
    """(label, trace) of :func:`random_traces`; a fixed-point spec's traces stay in their
    arrays (:class:`~solvent.conform.draws.Drawn`) until a trace is needed as objects."""
    if not drawable(spec):
        for trace in random_traces(spec, n, steps, seed, action_rate):
            yield str(trace.meta["source"]), trace
        return
    draws = Draws(spec, steps, seed, action_rate)
    for i in range(n):
        yield draws.label(i), Drawn(draws, i)


PATTERNS = ("up", "down", "up-down", "down-up", "up-then-down", "down-then-up")


def _corner(pattern: str, t: int, steps: int, dom: Within) -> Fraction:
    half = t < steps // 2
    up = {
        "up": True,
        "down": False,
        "up-down": t % 2 == 0,
        "down-up": t % 2 == 1,
        "up-then-down": half,
        "down-then-up": not half,
    }[pattern]
    return dom.hi if up else dom.lo


def corner_traces(spec: Spec, steps: int, seed: int, per_pattern: int = 2) -> Iterator[Trace]:
    """Bang-bang paths: every draw at an envelope bound, in the fixed :data:`PATTERNS`."""
    for k, pattern in enumerate(PATTERNS):
        for j in range(per_pattern):
            rng = random.Random(f"solvent-conform-corner-{seed}-{k}-{j}")
            markets = [
                {name: _corner(pattern, t, steps, dom) for name, dom in spec.bounds.items()}
                for t in range(steps)
            ]
            label = f"corner {pattern} #{j + 1} (seed {seed})"
            yield _trace(spec, rng, markets, 0.6, label, latest=True)


def bmc_traces(spec: Spec, depth: int, timeout: float | None) -> Iterator[tuple[str, Trace]]:
    """One bmc counterexample per property (none for a spec that holds to ``depth``)."""
    from solvent.check.bmc import bmc

    for decl in spec.properties():
        result = bmc(spec, depth, timeout=timeout, invariants=[decl.name])
        if result.counterexample is not None:
            yield decl.name, result.counterexample


def stress_traces(spec: Spec, scenario: str, n: int, steps: int, seed: int) -> Iterator[Trace]:
    """The first ``n`` lanes of a `solvent stress` scenario (with random user actions), as
    exact traces: the numbers the stress lanes used (``--scenario NAME``)."""
    from solvent import scenarios
    from solvent.stress.blocks import draw_block
    from solvent.stress.runner import StressOptions, lane_trace, prepare

    opts = StressOptions(
        paths=n,
        steps=steps,
        seed=seed,
        block=max(n, 1),
        action_rate=0.6,
        checkpoint_dir=None,
        traces=0,
    )
    run_spec, job, _, _, _ = prepare(spec, scenarios.get(scenario), None, opts)
    inputs = draw_block(job, 0)
    for lane in range(job.block_size(0)):
        meta = {"source": f"stress {scenario} lane {lane + 1} (seed {seed})"}
        yield lane_trace(run_spec, job, inputs, lane, lane, steps, meta)
