"""Shrink a diverging trace: fewer steps, then simpler moves, actions and arguments.

Every candidate is re-run on both sides (the spec and the implementation); a candidate is
kept when it still diverges. Candidates are strictly simpler (shorter, fewer actions, or
numbers with smaller denominators and magnitudes), so shrinking terminates; a budget of
runs bounds it too. The result is deterministic for a deterministic implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

from solvent.conform.compare import Divergence
from solvent.engine.trace import ActionChoice, Trace, TraceStep
from solvent.lang.domains import Within
from solvent.spec.spec import Spec

Run = Callable[[Trace], Divergence | None]


def _size(x: Fraction) -> tuple[int, Fraction]:
    return (x.denominator, abs(x))


def simpler_numbers(x: Any, dom: Any) -> Iterator[Fraction]:
    """Numbers of ``dom`` strictly simpler than ``x``: zero, bounds, rounder, halved."""
    if isinstance(x, bool) or not isinstance(dom, Within):
        return
    x = Fraction(x)
    seen: set[Fraction] = set()
    cands = [Fraction(0), dom.lo, dom.hi]
    for d in (1, 10, 100, 1000, 10000):
        cands += [Fraction(round(x * d), d), Fraction(int(x * d), d)]
    cands += [x / 2, Fraction(round(x / 2))]
    for c in cands:
        if c in seen or not dom.contains(c) or _size(c) >= _size(x):
            continue
        seen.add(c)
        yield c


def shrink(spec: Spec, div: Divergence, run: Run, budget: int = 400) -> tuple[Divergence, int]:
    """The smallest diverging trace found from ``div``; returns it and the runs made."""
    runs = 0
    best = div

    def attempt(trace: Trace) -> bool:
        nonlocal best, runs
        if runs >= budget:
            return False
        runs += 1
        got = run(trace)
        if got is None:
            return False
        best = _truncate(got)
        return True

    best = _truncate(best)
    changed = True
    dom: Any  # a market bound, an argument's or an initial value's domain
    while changed and runs < budget:
        changed = False
        steps = best.trace.steps
        # 1. drop runs of steps, halves first, then single ones (latest first keeps the
        # divergence step near)
        size = max(len(steps) // 2, 1)
        while size >= 1:
            i = len(best.trace.steps) - size
            while i >= 0:
                steps = best.trace.steps
                if i + size <= len(steps) and attempt(
                    best.trace.with_steps(steps[:i] + steps[i + size :])
                ):
                    changed = True
                i -= size
            size //= 2
        # 2. drop actions
        for i in range(len(best.trace.steps)):
            steps = best.trace.steps
            if i < len(steps) and steps[i].action is not None:
                new = TraceStep(steps[i].market, None, steps[i].keepers)
                if attempt(best.trace.with_steps(_replace(steps, i, new))):
                    changed = True
        # 3. simpler market draws and action arguments
        for i in range(len(best.trace.steps)):
            for name, dom in spec.bounds.items():
                for c in list(simpler_numbers(best.trace.steps[i].market[name], dom))[:6]:
                    st = best.trace.steps[i] if i < len(best.trace.steps) else None
                    if st is None:
                        break
                    new = TraceStep({**st.market, name: c}, st.action, st.keepers)
                    if attempt(best.trace.with_steps(_replace(best.trace.steps, i, new))):
                        changed = True
                        break
            act = best.trace.steps[i].action if i < len(best.trace.steps) else None
            if act is None:
                continue
            decl = spec.find_action(act.name)
            for arg, dom in decl.args.items():
                for c in list(simpler_numbers(act.args[arg], dom))[:6]:
                    st = best.trace.steps[i] if i < len(best.trace.steps) else None
                    if st is None or st.action is None:
                        break
                    choice = ActionChoice(
                        st.action.name, st.action.accounts, {**st.action.args, arg: c}
                    )
                    new = TraceStep(st.market, choice, st.keepers)
                    if attempt(best.trace.with_steps(_replace(best.trace.steps, i, new))):
                        changed = True
                        break
        # 4. simpler initial values (inside the spec's initial domains)
        for name, fd in spec.fields.items():
            for k, dom in enumerate(fd.init):
                value = best.trace.init[name]
                current = value[k] if fd.per_account else value
                for c in list(simpler_numbers(current, dom))[:6]:
                    init = dict(best.trace.init)
                    init[name] = (
                        tuple(c if j == k else v for j, v in enumerate(value))
                        if fd.per_account
                        else c
                    )
                    trace = Trace(
                        best.trace.spec,
                        best.trace.accounts,
                        init,
                        best.trace.steps,
                        best.trace.params,
                        best.trace.meta,
                    )
                    if attempt(trace):
                        changed = True
                        break
    return best, runs


def _replace(steps: tuple[TraceStep, ...], i: int, new: TraceStep) -> tuple[TraceStep, ...]:
    return steps[:i] + (new,) + steps[i + 1 :]


def _truncate(div: Divergence) -> Divergence:
    """Steps after the divergence are never needed."""
    if len(div.trace.steps) <= div.step:
        return div
    trace = div.trace.with_steps(div.trace.steps[: div.step])
    return Divergence(
        trace, div.step, div.what, div.spec_value, div.impl_value, div.writer, div.action
    )
