"""`solvent shrink`: make a failing trace smaller; every candidate is replayed exactly.

A candidate is kept only if the concrete replay still breaks the *same* invariant (by
name) first, not already in its initial state when the original trace did not (a state
that starts broken is no path of the protocol), and from an initial state that meets
the spec's ``@initial`` conditions. Passes, repeated until none makes progress or the replay budget is spent:

1. cut the steps after the first failure;
2. delete single steps (from the end backwards);
3. market draws: 0, then the draw rounded to 1, 2, 3... significant decimal digits,
   then half of it (smaller magnitude only);
4. user-action arguments: 0, rounded, then halved, inside the argument's domain only;
   in fixed point (3, 4 and 6) only numbers on the spec's grid (half of an odd number of
   units is none: replaying it was an SV810 error);
5. drop user actions and keeper-outage records;
6. initial per-account and scalar numbers: rounded to fewer significant digits.

Order is deterministic, so the same trace always shrinks to the same result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

from solvent.backends.modes import scale_of
from solvent.check.replay import replay
from solvent.engine.trace import Trace, TraceStep
from solvent.errors import TraceFormatError
from solvent.lang.domains import Within
from solvent.lang.values import format_number
from solvent.spec.spec import Spec


@dataclass(slots=True)
class ShrinkResult:
    trace: Trace
    invariant: str
    steps_before: int
    replays: int
    log: list[str] = field(default_factory=list)


def _rounded(q: Fraction, grid: int) -> Iterator[Fraction]:
    """Simpler numbers near ``q``: fewer significant decimal digits (strictly simpler), on
    the spec's grid (``grid`` units per 1: a fixed-point spec holds no other number)."""
    if q == 0:
        return
    d = Decimal(q.numerator) / Decimal(q.denominator)
    for digits in range(1, 8):
        r = Fraction(Decimal(format(d, f".{digits}g")))
        if r != q and _size(r) < _size(q) and (r * grid).denominator == 1:
            yield r


def _simpler(q: Fraction, grid: int) -> Iterator[Fraction]:
    """Candidates for a draw or an argument ``q``: 0, rounder numbers, half; never larger;
    on the grid (half of an odd number of a fixed-point spec's units is not a number of it)."""
    if q == 0:
        return
    for v in (Fraction(0), *_rounded(q, grid), q / 2):
        if abs(v) <= abs(q) and v != q and (v * grid).denominator == 1:
            yield v


def _size(q: Fraction) -> int:
    return len(format_number(q))


def _starts_legally(spec: Spec, trace: Trace) -> bool:
    """Whether the trace's initial state meets the spec's ``@initial`` conditions."""
    if not spec.initials:
        return True
    from solvent.backends.modes import concrete_for
    from solvent.check.replay import initial_concrete
    from solvent.engine.step import first_broken

    state = initial_concrete(spec, trace)
    return first_broken(spec, spec.param_values(), concrete_for(spec), state, spec.initials) is None


def shrink(spec: Spec, trace: Trace, *, max_replays: int = 400) -> ShrinkResult:
    if trace.accounts != spec.accounts:
        spec = spec.with_accounts(trace.accounts)
    first = replay(spec, trace).first_failure
    if first is None:
        raise TraceFormatError(
            f"the trace does not break any invariant of spec {spec.name} when replayed exactly; "
            "nothing to shrink (replay it with `solvent replay` to see its steps)"
        )
    target = first.name
    grid = scale_of(spec)
    state = {"replays": 1}
    log: list[str] = []
    before = len(trace.steps)

    def fails(cand: Trace) -> Trace | None:
        if state["replays"] >= max_replays:
            return None
        state["replays"] += 1
        if cand.init != trace.init and not _starts_legally(spec, cand):
            return None  # rounded initial numbers broke an @initial condition
        res = replay(spec, cand)
        hit = res.first_failure
        if hit is None or hit.name != target:
            return None
        if hit.step == 0 and first.step > 0:
            return None  # a state that starts broken is no path of the protocol
        return cand.with_steps(cand.steps[: hit.step])

    cur = trace.with_steps(trace.steps[: first.step])
    if len(cur.steps) < before:
        log.append(f"cut after the first failure: {before} -> {len(cur.steps)} steps")
    progress = True
    while progress and state["replays"] < max_replays:
        progress = False
        # delete steps
        i = len(cur.steps) - 1
        while i >= 0 and state["replays"] < max_replays:
            cand = cur.with_steps(cur.steps[:i] + cur.steps[i + 1 :])
            got = fails(cand)
            if got is not None:
                log.append(f"deleted step {i + 1}: {len(cur.steps)} -> {len(got.steps)} steps")
                cur = got
                progress = True
            i -= 1
        # simpler market draws
        for t in range(len(cur.steps)):
            for name in sorted(cur.steps[t].market):
                q = Fraction(cur.steps[t].market[name])
                for v in _simpler(q, grid):
                    if t >= len(cur.steps):
                        continue
                    market = dict(cur.steps[t].market, **{name: v})
                    steps = list(cur.steps)
                    steps[t] = replace(cur.steps[t], market=market)
                    got = fails(cur.with_steps(tuple(steps)))
                    if got is not None:
                        log.append(f"step {t + 1} {name}: {format_number(q)} -> {format_number(v)}")
                        cur = got
                        progress = True
                        break
        # simpler action arguments (kept inside the argument's domain)
        decls = {a.name: a for a in spec.actions}
        for t in range(len(cur.steps)):
            act = cur.steps[t].action if t < len(cur.steps) else None
            if act is None or act.name not in decls:
                continue
            for arg in sorted(act.args):
                given = act.args[arg]
                dom = decls[act.name].args.get(arg)
                if isinstance(given, bool) or not isinstance(dom, Within):
                    continue
                q = Fraction(given)
                for v in _simpler(q, grid):
                    if not dom.contains(v):
                        continue
                    new_act = replace(act, args=dict(act.args, **{arg: v}))
                    steps = list(cur.steps)
                    steps[t] = replace(cur.steps[t], action=new_act)
                    got = fails(cur.with_steps(tuple(steps)))
                    if got is not None:
                        log.append(
                            f"step {t + 1} {act.name} {arg}: {format_number(q)} -> {format_number(v)}"
                        )
                        cur, act = got, new_act
                        progress = True
                        break
        # drop actions / keeper records
        for t in range(len(cur.steps)):
            st = cur.steps[t]
            if st.action is None and not st.keepers:
                continue
            steps = list(cur.steps)
            steps[t] = TraceStep(st.market, None, {})
            got = fails(cur.with_steps(tuple(steps)))
            if got is not None:
                log.append(f"step {t + 1}: dropped the action/keeper records")
                cur = got
                progress = True
        # simpler initial numbers
        init = dict(cur.init)
        for name in sorted(init):
            v = init[name]
            vals = list(v) if isinstance(v, tuple) else [v]
            for j, x in enumerate(vals):
                if isinstance(x, bool) or not isinstance(x, Fraction | int):
                    continue
                for r in _rounded(Fraction(x), grid):
                    new_vals = list(vals)
                    new_vals[j] = r
                    new_init = dict(init, **{name: tuple(new_vals) if isinstance(v, tuple) else r})
                    cand = Trace(cur.spec, cur.accounts, new_init, cur.steps, cur.params, cur.meta)
                    got = fails(cand)
                    if got is not None:
                        log.append(
                            f"init {name}{'' if not isinstance(v, tuple) else f'[{j}]'}: "
                            f"{format_number(Fraction(x))} -> {format_number(r)}"
                        )
                        cur, init, vals = got, dict(got.init), new_vals
                        progress = True
                        break
    final = replay(spec, cur).first_failure
    assert final is not None and final.name == target  # every kept candidate was checked
    meta: dict[str, Any] = dict(cur.meta)
    meta["shrunk_by"] = "solvent shrink"
    meta["violation"] = {"step": final.step, "invariant": final.label()}
    out = Trace(cur.spec, cur.accounts, cur.init, cur.steps, cur.params, meta)
    return ShrinkResult(out, final.label(), before, state["replays"], log)
