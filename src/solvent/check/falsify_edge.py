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
That still left up to one unit of the argument of slack (40 units of the requirement on
wei_perp): 0.1-0.75% of its edge paths broke the property. So in those paths an account's
first action takes its arguments at their ends and its initial values bisected to the
guard's edge to the unit instead (``_bind_initial``), and the step after a trade takes a
market corner under which the tick and keepers break a property, when one does
(``_worst_corner``): 10-20% of wei_perp's edge paths break it. Exact-arithmetic specs
draw the same paths as before.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

from solvent.backends.modes import concrete_for, plain_value
from solvent.check.replay import TraceChooser, initial_concrete, number
from solvent.engine.step import before_actions, eval_predicate, user_actions
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.lang.domains import AnyBool, Within

EDGE_ROUNDS = 10  # halvings of the bisection towards an argument's end: 1/1024 of its range
CORNERS = 8  # corners of the market tried in the step after a trade (fixed point)


def edge_path(gen: Any) -> Trace:
    """One path of ``gen`` (a ``falsify.Paths``) whose actions sit at their guards' edge."""
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
    acted: set[int] = set()  # the accounts that took an action earlier in the path
    for t in range(1, gen.depth + 1):
        if fine:
            market = {
                n: _unit_draw(gen, dom)
                if rng.random() < 0.5 and not (steps and steps[-1].action)
                else gen._number(dom, 0)
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
        if fine and steps and steps[-1].action is not None:
            market, pre = _worst_corner(gen, trace, steps, state, t, market, keepers, pre)
        action = None
        if gen.instances and rng.random() < 0.6:
            inst = rng.choice(gen.instances)
            args: dict[str, Any] = {
                a: rng.random() < 0.5 if isinstance(dom, AnyBool) else gen._number(dom, 1)
                for a, dom in inst.action.args.items()
            }
            ends = {
                a: rng.choice((Fraction(dom.lo), Fraction(dom.hi)))
                for a, dom in inst.action.args.items()
                if isinstance(dom, Within)
            }
            bound = None
            if fine and ends and not any(a in acted for a in inst.accounts):
                # the account's first action: its arguments at their ends, its initial
                # values at the guard's edge (a long of the most the domain allows on the
                # least collateral that carries it, to the unit)
                action = ActionChoice(inst.action.name, inst.accounts, {**args, **ends})
                bound = _bind_initial(gen, init, steps, TraceStep(market, action, keepers), pre)
            if bound is not None:
                init, pre = bound
                trace = Trace(spec.name, spec.accounts, init, (), gen.params, {})
            else:
                for a, end in ends.items():
                    dom = inst.action.args[a]
                    args[a] = _edge(
                        gen, trace, steps, pre, t, inst, args, a, dom, end, market, keepers
                    )
                action = ActionChoice(inst.action.name, inst.accounts, args)
            acted.update(inst.accounts)
        steps.append(TraceStep(market, action, keepers))
        trace = trace.with_steps(tuple(steps))
        chooser = TraceChooser(spec, trace, chooser.backend)
        state = user_actions(spec, params, chooser.backend, pre, t, chooser)[0]
    return trace


def _worst_corner(
    gen: Any,
    trace: Trace,
    steps: list[TraceStep],
    state: Any,
    t: int,
    market: dict[str, Fraction],
    keepers: dict[str, tuple[bool, ...]],
    pre: Any,
) -> tuple[dict[str, Fraction], Any]:
    """The step after a trade: ``market`` as drawn (``pre``: the state after its tick and
    keepers) when its tick and keepers break a property, else the first corner of the
    market (``CORNERS`` at most) that does, else ``market``."""
    spec, params = gen.spec, gen.spec.param_values()
    backend = concrete_for(spec)

    def broken(s: Any) -> bool:
        return any(
            not bool(v.raw)
            for decl in spec.properties()
            for _, v in eval_predicate(spec, params, backend, s, decl)
        )

    if broken(pre):
        return market, pre
    names = list(spec.bounds)
    ends = [(Fraction(spec.bounds[n].lo), Fraction(spec.bounds[n].hi)) for n in names]
    for corner in itertools.islice(itertools.product(*ends), CORNERS):
        moved = dict(zip(names, corner, strict=True))
        if moved == market:
            continue
        chooser = TraceChooser(spec, trace.with_steps((*steps, TraceStep(moved, None, keepers))))
        after = before_actions(spec, params, chooser.backend, state, t, chooser)[0]
        if broken(after):
            return moved, after
    return market, pre


def _bind_initial(
    gen: Any, init: dict[str, Any], steps: list[TraceStep], step: TraceStep, pre: Any
) -> tuple[dict[str, Any], Any] | None:
    """The initial values of ``step``'s acting account moved to the edge of its action's
    guard (its arguments at their ends), to one unit of the grid: lowered as far as the
    action stays enabled, or raised as little as enables it. ``pre`` is the step's state
    after its keepers from ``init``. The bisection runs on that state (each probe is the
    action alone), shifting the value by what the earlier steps added to it; the initial
    values it gives are then checked by running the path from them (the earlier steps may
    depend on them otherwise). Returns (the initial values, the step's state after its
    keepers from them), or None: no value binds, or the check failed."""
    spec, action, t = gen.spec, step.action, len(steps) + 1
    assert action is not None
    fields = [
        (name, a, x)
        for name, fd in spec.fields.items()
        if fd.per_account
        for a in action.accounts
        if isinstance(x := fd.init[a], Within)
    ]
    if not fields:
        return None
    params = spec.param_values()
    trace = Trace(spec.name, spec.accounts, init, (*steps, step), gen.params, {})
    chooser = TraceChooser(spec, trace)
    backend = chooser.backend

    def enabled(s: Any) -> bool:
        got = user_actions(spec, params, backend, s, t, chooser)[1]
        return bool(next(iter(got.values())).raw)

    def at(s: Any, name: str, a: int, x: Fraction) -> Any:
        vals = list(s[name])
        vals[a] = number(backend, x)
        return {**s, name: vals}

    ok, moved, values = enabled(pre), False, dict(init)
    for name, a, dom in fields:
        now = Fraction(plain_value(backend, pre[name][a].raw))
        shift = now - Fraction(init[name][a])  # what the earlier steps added
        lo, hi = Fraction(dom.lo) + shift, Fraction(dom.hi) + shift
        if ok:  # lowered as far as the action stays enabled
            good, bad = now, lo
            if now == lo or enabled(at(pre, name, a, lo)):
                continue  # the guard does not bind on this value (or not from below)
        else:  # raised as little as enables it
            good, bad = hi, now
            if now == hi or not enabled(at(pre, name, a, hi)):
                continue
        for _ in range(int(abs(good - bad) * gen.scale).bit_length() + 1):
            mid = gen._grid((good + bad) / 2, lo, hi)
            if mid in (good, bad):
                break
            good, bad = (mid, bad) if enabled(at(pre, name, a, mid)) else (good, mid)
        pre, moved, ok = at(pre, name, a, good), True, True
        vals = list(values[name])
        vals[a] = good - shift
        values[name] = tuple(vals)
    if not (moved and ok):
        return None
    return _checked(gen, values, (*steps, step))


def _checked(
    gen: Any, init: dict[str, Any], steps: tuple[TraceStep, ...]
) -> tuple[dict[str, Any], Any] | None:
    """(``init``, the last step's state after its keepers) when the last step's action is
    enabled on the path from ``init``, else None."""
    spec, params = gen.spec, gen.spec.param_values()
    chooser = TraceChooser(spec, Trace(spec.name, spec.accounts, init, steps, gen.params, {}))
    backend = chooser.backend
    state = initial_concrete(spec, chooser.trace, backend)
    for t in range(1, len(steps)):
        pre = before_actions(spec, params, backend, state, t, chooser)[0]
        state = user_actions(spec, params, backend, pre, t, chooser)[0]
    pre = before_actions(spec, params, backend, state, len(steps), chooser)[0]
    got = user_actions(spec, params, backend, pre, len(steps), chooser)[1]
    return (init, pre) if bool(next(iter(got.values())).raw) else None


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
    end: Fraction,
    market: dict[str, Fraction],
    keepers: dict[str, tuple[bool, ...]],
) -> Fraction:
    """The value of argument ``name`` nearest ``end`` (an end of ``dom``) that keeps the action
    enabled at step ``t`` (from ``pre``, the step's state after its tick and keepers), the
    other arguments as drawn."""
    lo, hi = Fraction(dom.lo), Fraction(dom.hi)
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
