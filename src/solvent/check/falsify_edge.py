"""Paths whose user actions trade at the edge of their guard (the falsifier's fourth mode).

Gap-risk bugs need an account as leveraged as its guard allows, and the guard couples an
action's argument to the account's state (the initial margin on the collateral). Drawing
the two independently rarely lands on the edge: the cross-margin spec's bug (a trade at
the margin, then three falls) was missed in 5,000 paths. Here the path is built step by
step on the concrete judge: the market moves bang-bang (in half of the paths it holds one
corner throughout, a trend), and each numeric argument of a
drawn action is pushed towards one end of its domain as far as the action stays enabled
(bisection from zero, ``EDGE_ROUNDS`` halvings), so an account takes the largest position
its state admits, or the smallest, when the guard is not monotone. The initial state is
drawn off the corners (a corner collateral, 0 or the top, is rarely one a bug needs).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from solvent.check.replay import TraceChooser, initial_concrete
from solvent.engine.step import run_step
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.lang.domains import AnyBool, Within

EDGE_ROUNDS = 10  # halvings of the bisection towards an argument's end: 1/1024 of its range


def edge_path(gen: Any) -> Trace:
    """One path of ``gen`` (a ``falsify._Paths``) whose actions sit at their guards' edge."""
    spec, rng = gen.spec, gen.rng
    init: dict[str, Any] = {}
    for name, fd in spec.fields.items():
        vals = tuple(gen._value(x, 2 if rng.random() < 0.5 else 1) for x in fd.init)
        init[name] = vals if fd.per_account else vals[0]
    params = spec.param_values()
    steps: list[TraceStep] = []
    trace = Trace(spec.name, spec.accounts, init, (), gen.params, {})
    chooser = TraceChooser(spec, trace)
    state = initial_concrete(spec, trace, chooser.backend)
    trend = {n: gen._number(dom, 0) for n, dom in spec.bounds.items()}
    held = rng.random() < 0.5  # the market keeps one corner the whole path (a trend)
    for t in range(1, gen.depth + 1):
        market = trend if held else {n: gen._number(dom, 0) for n, dom in spec.bounds.items()}
        keepers = {}
        for kd in gen.adversarial:
            n = spec.accounts if kd.n_accounts else 1
            keepers[kd.name] = tuple(rng.random() < 0.5 for _ in range(n))
        action = None
        if gen.instances and rng.random() < 0.6:
            inst = rng.choice(gen.instances)
            args: dict[str, Any] = {
                a: rng.random() < 0.5 if isinstance(dom, AnyBool) else gen._number(dom, 1)
                for a, dom in inst.action.args.items()
            }
            for a, dom in inst.action.args.items():
                if isinstance(dom, Within):
                    args[a] = _edge(
                        gen, trace, steps, state, t, inst, args, a, dom, market, keepers
                    )
            action = ActionChoice(inst.action.name, inst.accounts, args)
        steps.append(TraceStep(market, action, keepers))
        trace = trace.with_steps(tuple(steps))
        chooser = TraceChooser(spec, trace, chooser.backend)
        state = run_step(spec, params, chooser.backend, state, t, chooser).state
    return trace


def _edge(
    gen: Any,
    trace: Trace,
    steps: list[TraceStep],
    state: Any,
    t: int,
    inst: Any,
    args: dict[str, Any],
    name: str,
    dom: Within,
    market: dict[str, Fraction],
    keepers: dict[str, tuple[bool, ...]],
) -> Fraction:
    """The value of argument ``name`` nearest one end of ``dom`` that keeps the action
    enabled at step ``t`` (from ``state``), the other arguments as drawn."""
    lo, hi = Fraction(dom.lo), Fraction(dom.hi)
    end = gen.rng.choice((lo, hi))
    start = min(max(Fraction(0), lo), hi)

    def enabled(x: Fraction) -> bool:
        choice = ActionChoice(inst.action.name, inst.accounts, {**args, name: x})
        probe = trace.with_steps((*steps, TraceStep(market, choice, keepers)))
        chooser = TraceChooser(gen.spec, probe)
        out = run_step(gen.spec, gen.spec.param_values(), chooser.backend, state, t, chooser)
        return bool(next(iter(out.enabled.values())).raw)

    if enabled(end) or not enabled(start):
        return end
    good, bad = start, end
    for _ in range(EDGE_ROUNDS):
        mid = gen._grid((good + bad) / 2, lo, hi)
        if mid in (good, bad):
            break
        good, bad = (mid, bad) if enabled(mid) else (good, mid)
    return good
