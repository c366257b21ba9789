"""The direct symbolic frontier: the envelope bound as a solver variable in the k=1 step.

The inductive step of 1-induction is built once with the bound replaced by
``start + sign * D`` (``D >= 0`` a Z3 real: how far the envelope is widened). A CTI at
some ``D`` is a CTI at every larger ``D`` (a wider envelope only admits more draws), so the
set of widenings with a CTI is upward closed and the frontier is its infimum ``D*``:

1. each obligation (one property conjunct) is checked over the whole range: unsat means
   it holds for every widening; sat gives a widening with a CTI (an upper bound);
2. Z3 ``Optimize`` minimises ``D`` per failing obligation under a short cap; it answers
   exactly (``1/20`` attained, or ``1/20 + epsilon``: not attained) on small queries;
3. where it gives up (nonlinear queries over several accounts usually), the same query is
   searched incrementally: ``push; D <= v; check; pop``, each sat model tightening the
   upper bound, until the bracket is narrower than the tolerance.

The answer is for the k=1 step only; :mod:`solvent.check.frontier` confirms it with a full
``prove`` at the safe value and a replayed ``bmc`` counterexample beyond it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import z3

from solvent.backends.symbolic import rational_of, z3_num
from solvent.check.encode import Unrolling, conjuncts
from solvent.check.knobs import HI, LO, MAGNITUDE, UP, Knob
from solvent.check.solving import Deadline, Interrupted, check, interruptible, select_properties
from solvent.spec.spec import Spec

FOUND, UNBOUNDED, FAILED = "found", "unbounded", "failed"


@dataclass(frozen=True, slots=True)
class SymbolicAnswer:
    """What the k=1 step query says about the bound (values, not widenings).

    ``safe``: the step holds here (and everywhere more conservative); ``unsafe``: a CTI of
    the step exists here. ``exact``: ``Optimize`` gave the infimum itself.
    """

    status: str  # FOUND | UNBOUNDED | FAILED
    safe: Fraction | None
    unsafe: Fraction | None
    exact: bool
    attained: bool | None
    engine: str  # "optimize" | "search" | ""
    solver_calls: int
    seconds: float
    reason: str
    obligation: str | None = None


@dataclass(slots=True)
class _Obligation:
    label: str
    solver: z3.Solver
    low: Fraction  # holds for every widening <= low
    high: Fraction | None  # a CTI exists at this widening
    exact: bool = False
    attained: bool | None = None


def step_frontier(
    spec: Spec,
    knob: Knob,
    direction: str,
    start: Fraction,
    far: Fraction | None,
    tol: Fraction,
    invariants: list[str],
    *,
    timeout: float | None = None,
    optimize_ms: int = 1000,
) -> SymbolicAnswer:
    """Solve for the frontier of ``knob`` on the k=1 inductive step (see the module doc)."""
    t0 = time.perf_counter()
    calls = 0
    deadline = Deadline(timeout)

    def answer(status: str, reason: str, **kw: Any) -> SymbolicAnswer:
        base: dict[str, Any] = {"safe": None, "unsafe": None, "exact": False, "attained": None,
                                "engine": ""}
        base.update(kw)
        return SymbolicAnswer(status, solver_calls=calls, seconds=time.perf_counter() - t0,
                              reason=reason, **base)

    sign = 1 if direction == UP else -1
    widen = z3.Real("frontier.widening")
    value = z3_num(start) + sign * widen
    dom = spec.bounds[knob.target]
    terms = {MAGNITUDE: (-value, value), HI: (z3_num(dom.lo), value), LO: (value, z3_num(dom.hi))}
    targets = select_properties(spec, invariants)
    decls = targets + [d for d in spec.lemmas if d not in targets]
    u = Unrolling(spec, free_init=True, bound_terms={knob.target: terms[knob.side or MAGNITUDE]})
    for decl, _acc, p in u.properties(0, decls):
        for c in conjuncts(p):
            u.assume(f"hyp.{decl.name}", c)
    u.add_step()
    limit = None if far is None else abs(far - start)
    memo: dict[int, frozenset[str]] = {}
    failing: list[_Obligation] = []

    def to_value(w: Fraction) -> Fraction:
        return start + sign * w

    try:
        with interruptible():
            for decl, acc, prop in u.properties(1, decls):
                for p in conjuncts(prop):
                    label = decl.name if acc is None else f"{decl.name}[account {acc}]"
                    # the cone of influence first (unsat there is unsat), then everything:
                    # a CTI on the slice may rest on a dropped constraint
                    for constraints in (u.sliced(z3.And(p, widen >= 0), memo), u.everything()):
                        solver = z3.Solver()
                        solver.add(*constraints)
                        solver.add(*u.assumption_literals(), z3.Not(p), widen >= 0)
                        if limit is not None:
                            solver.add(widen <= z3_num(limit))
                        calls += 1
                        status = check(solver, deadline)
                        if status != z3.sat:
                            break
                    if status == z3.unknown:
                        return answer(FAILED, f"the solver gave up on {label}: {solver.reason_unknown()}")
                    if status == z3.sat:
                        failing.append(_Obligation(label, solver, Fraction(0), _upper(solver.model(), widen)))
            if not failing:
                return answer(UNBOUNDED, "the k=1 step holds for every value in the range",
                              safe=far, engine="search")
            failing.sort(key=lambda o: o.high or 0)
            for ob in failing[:1]:
                calls += 1
                _optimize(ob, widen, optimize_ms, tol)
            best: Fraction | None = None
            for ob in failing:
                if ob.exact and ob.attained and ob.high == 0:
                    return answer(FAILED, f"the k=1 step already fails at the start value for "
                                  f"{ob.label}", obligation=ob.label)
                if ob.exact:
                    best = ob.high if best is None else min(best, ob.high or best)
                    continue
                if best is not None and ob.high is not None and ob.high > best:
                    calls += 1
                    status = _below(ob, widen, best, deadline)
                    if status == z3.unknown:
                        return answer(FAILED, f"the solver gave up on {ob.label}")
                    if status == z3.unsat:
                        ob.low = best  # its CTIs all lie beyond the best one found
                        continue
                calls += 1
                if _below(ob, widen, Fraction(0), deadline) == z3.sat:
                    return answer(FAILED, f"the k=1 step already fails at the start value for "
                                  f"{ob.label}", obligation=ob.label)
                while ob.high is not None and ob.high - ob.low > tol:
                    calls += 1
                    status = _below(ob, widen, _midpoint(ob.low, ob.high), deadline)
                    if status == z3.unknown:
                        return answer(FAILED, f"the solver gave up on {ob.label}")
                best = ob.high if best is None else min(best, ob.high or best)
    except Interrupted:
        return answer(FAILED, "interrupted by the user (Ctrl-C)")
    low = min(o.low for o in failing)
    binding = min(failing, key=lambda o: (o.high, not o.exact))
    assert binding.high is not None
    exact = binding.exact and binding.low == low
    return answer(FOUND, f"{binding.label} bounds the k=1 step", safe=to_value(low),
                  unsafe=to_value(binding.high), exact=exact,
                  attained=binding.attained if exact else None,
                  engine="optimize" if binding.exact else "search", obligation=binding.label)


def _below(ob: _Obligation, widen: Any, v: Fraction, deadline: Deadline) -> Any:
    """Is there a CTI of this obligation with widening <= v? Tightens the bracket."""
    ob.solver.push()
    ob.solver.add(widen <= z3_num(v))
    status = check(ob.solver, deadline)
    if status == z3.sat:
        # a CTI at or below v is one at v (upward closed): keep the short decimal v
        # unless the model's own widening is much smaller
        found = _upper(ob.solver.model(), widen)
        ob.high = found if found < ob.low + (v - ob.low) / 2 else v
    elif status == z3.unsat:
        ob.low = max(ob.low, v)
    ob.solver.pop()
    return status


def _optimize(ob: _Obligation, widen: Any, cap_ms: int, tol: Fraction) -> None:
    """Minimise the widening exactly with Optimize (gives up quietly after ``cap_ms``).

    The exact infimum ``e`` becomes a bracket of width <= ``tol`` around it: attained (a
    CTI at ``e``): holds below ``e``; ``e + epsilon``: holds at ``e``, CTI just above.
    """
    opt = z3.Optimize()
    opt.set("timeout", cap_ms)
    opt.add(*ob.solver.assertions())
    handle = opt.minimize(widen)
    if opt.check() != z3.sat:
        return
    lower = opt.lower(handle)
    if z3.is_rational_value(lower):
        e = rational_of(lower)
        ob.low, ob.high, ob.exact, ob.attained = _simplest(max(Fraction(0), e - tol), e, include_hi=False), e, True, True
        return
    if z3.is_add(lower) and lower.num_args() == 2:
        a, b = lower.arg(0), lower.arg(1)
        r, eps = (a, b) if z3.is_rational_value(a) else (b, a)
        if z3.is_rational_value(r) and str(eps) == "epsilon":
            e = rational_of(r)
            ob.low, ob.high, ob.exact, ob.attained = e, _simplest(e, e + tol, include_lo=False), True, False


def _upper(model: z3.ModelRef, widen: Any) -> Fraction:
    """A rational widening at or above the model's (upward closed, so still a CTI)."""
    val = model.eval(widen, model_completion=True)
    if z3.is_rational_value(val):
        return rational_of(val)
    approx = Fraction(val.approx(20).as_decimal(20).rstrip("?"))
    return approx + Fraction(1, 10**19)


def _midpoint(lo: Fraction, hi: Fraction) -> Fraction:
    """A short decimal near the middle of ``(lo, hi)`` (halves the bracket within 1/8)."""
    w = hi - lo
    return _simplest(lo + w * 3 / 8, lo + w * 5 / 8)


def _simplest(lo: Fraction, hi: Fraction, *, include_lo: bool = True, include_hi: bool = True) -> Fraction:
    """The number with the fewest decimal digits in the interval, nearest its middle."""
    mid = (lo + hi) / 2
    for digits in range(0, 40):
        scale = 10**digits
        first = -((-lo * scale) // 1)  # ceil
        last = (hi * scale) // 1  # floor
        cands = [Fraction(n, scale) for n in range(int(first), int(last) + 1)] if last - first < 50 else []
        if last - first >= 50:
            cands = [Fraction(round(mid * scale), scale)]
        cands = [c for c in cands if (include_lo or c != lo) and (include_hi or c != hi) and lo <= c <= hi]
        if cands:
            return min(cands, key=lambda c: (abs(c - mid), c))
    return mid


simplest = _simplest
midpoint = _midpoint
