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

In fixed point a rounding bug needs more: a price off the corners' round numbers (so a
product rounds at all) and an account at its guard's edge to the unit (a bisection to
1/1024 of the range leaves it thousands of units inside). There half of the paths draw
the market at the grid's full resolution or at a corner, at random each step, and half
of the initial values from a tenth, a hundredth... of their range (an account small
enough for its guard to bind before the argument's domain ends), and the bisection runs until the
edge is one unit wide (the tests/check/specs/wei_perp.py bug: 0 in 10,000 paths before).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from solvent.check.replay import TraceChooser, initial_concrete
from solvent.engine.step import before_actions, user_actions
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.lang.domains import AnyBool, Within

EDGE_ROUNDS = 10  # halvings of the bisection towards an argument's end: 1/1024 of its range


def edge_path(gen: Any) -> Trace:
    """One path of ``gen`` (a ``falsify._Paths``) whose actions sit at their guards' edge."""
    spec, rng = gen.spec, gen.rng
    fine = gen.scale > 1 and rng.random() < 0.5  # fixed point: draws that round
    init: dict[str, Any] = {}
    for name, fd in spec.fields.items():
        vals = tuple(
            _scaled_draw(gen, x)
            if fine and isinstance(x, Within) and rng.random() < 0.5
            else gen._value(x, 2 if rng.random() < 0.5 else 1)
            for x in fd.init
        )
        init[name] = vals if fd.per_account else vals[0]
    params = spec.param_values()
    steps: list[TraceStep] = []
    trace = Trace(spec.name, spec.accounts, init, (), gen.params, {})
    chooser = TraceChooser(spec, trace)
    state = initial_concrete(spec, trace, chooser.backend)
    trend = {n: gen._number(dom, 0) for n, dom in spec.bounds.items()}
    held = rng.random() < 0.5  # the market keeps one corner the whole path (a trend)
    for t in range(1, gen.depth + 1):
        if fine:
            market = {
                n: _unit_draw(gen, dom) if rng.random() < 0.5 else gen._number(dom, 0)
                for n, dom in spec.bounds.items()
            }
        else:
            market = trend if held else {n: gen._number(dom, 0) for n, dom in spec.bounds.items()}
        keepers = {}
        for kd in gen.adversarial:
            n = spec.accounts if kd.n_accounts else 1
            keepers[kd.name] = tuple(rng.random() < 0.5 for _ in range(n))
        # the state after the tick and the keepers, which the action does not change:
        # computed once for the step, not again for each of the bisection's probes
        probe = trace.with_steps((*steps, TraceStep(market, None, keepers)))
        chooser = TraceChooser(spec, probe, chooser.backend)
        pre = before_actions(spec, params, chooser.backend, state, t, chooser)[0]
        action = None
        if gen.instances and rng.random() < 0.6:
            inst = rng.choice(gen.instances)
            args: dict[str, Any] = {
                a: rng.random() < 0.5 if isinstance(dom, AnyBool) else gen._number(dom, 1)
                for a, dom in inst.action.args.items()
            }
            for a, dom in inst.action.args.items():
                if isinstance(dom, Within):
                    args[a] = _edge(gen, trace, steps, pre, t, inst, args, a, dom, market, keepers)
            action = ActionChoice(inst.action.name, inst.accounts, args)
        steps.append(TraceStep(market, action, keepers))
        trace = trace.with_steps(tuple(steps))
        chooser = TraceChooser(spec, trace, chooser.backend)
        state = user_actions(spec, params, chooser.backend, pre, t, chooser)[0]
    return trace


def _edge(
    gen: Any,
    trace: Trace,
    steps: list[TraceStep],
    pre: Any,
    t: int,
    inst: Any,
    args: dict[str, Any],
    name: str,
    dom: Within,
    market: dict[str, Fraction],
    keepers: dict[str, tuple[bool, ...]],
) -> Fraction:
    """The value of argument ``name`` nearest one end of ``dom`` that keeps the action
    enabled at step ``t`` (from ``pre``, the step's state after its tick and keepers), the
    other arguments as drawn."""
    lo, hi = Fraction(dom.lo), Fraction(dom.hi)
    end = gen.rng.choice((lo, hi))
    start = min(max(Fraction(0), lo), hi)
    params = gen.spec.param_values()

    def enabled(x: Fraction) -> bool:
        choice = ActionChoice(inst.action.name, inst.accounts, {**args, name: x})
        probe = trace.with_steps((*steps, TraceStep(market, choice, keepers)))
        chooser = TraceChooser(gen.spec, probe)
        got = user_actions(gen.spec, params, chooser.backend, pre, t, chooser)[1]
        return bool(next(iter(got.values())).raw)

    if enabled(end) or not enabled(start):
        return end
    good, bad = start, end
    rounds = EDGE_ROUNDS
    if gen.scale > 1:  # to one unit of the grid
        rounds = max(rounds, int(abs(end - start) * gen.scale).bit_length() + 1)
    for _ in range(rounds):
        mid = gen._grid((good + bad) / 2, lo, hi)
        if mid in (good, bad):
            break
        good, bad = (mid, bad) if enabled(mid) else (good, mid)
    return good


def _unit_draw(gen: Any, dom: Within) -> Fraction:
    """A value of ``dom`` drawn uniformly from every unit of a fixed-point spec's grid."""
    lo, hi = Fraction(dom.lo) * gen.scale, Fraction(dom.hi) * gen.scale
    first, last = -((-lo.numerator) // lo.denominator), hi.numerator // hi.denominator
    return Fraction(gen.rng.randint(first, last), gen.scale) if first <= last else dom.lo


def _scaled_draw(gen: Any, dom: Within) -> Fraction:
    """A value of ``dom`` from its lower end up to 10^-k of its width, k from 0 to 4."""
    lo, hi = Fraction(dom.lo), Fraction(dom.hi)
    width = (hi - lo) / 10 ** gen.rng.randint(0, 4)
    return gen._grid(lo + width * Fraction(gen.rng.randint(0, 1000), 1000), lo, hi)
