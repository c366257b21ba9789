"""The direct symbolic frontier: the envelope bound as a solver variable in the k=1 step.

The inductive step of 1-induction is encoded once, with the bound replaced by
``start + sign * W`` where ``W >= 0`` (a Z3 real) is how far the envelope is widened. A
CTI at some ``W`` is a CTI at every larger ``W`` (a wider envelope only admits more
draws), so the widenings with a CTI form an upward-closed set and the frontier is its
infimum ``W*``. The encoded query is then solved, not re-encoded per probe:

1. exponential search from the spec's own value for a widening with a CTI;
2. Z3 ``Optimize`` minimises ``W`` on the obligation that failed, under a short cap; it
   answers exactly (``e``: attained, ``e + epsilon``: not attained), which is checked
   against every other obligation;
3. when it gives up (nonlinear queries over several accounts, usually), an incremental
   search on the same solvers (``push; W <= v; check; pop``) narrows the bracket to the
   tolerance.

Each obligation (one property conjunct) is checked on its cone of influence first, where
unsat is a proof; a CTI there is re-checked on every constraint. The answer is for the
k=1 step; :mod:`solvent.check.frontier` confirms it with a full ``prove`` at the safe
value and a replayed ``bmc`` counterexample beyond it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import z3

from solvent.backends.symbolic import rational_of, z3_num
from solvent.check.encode import Unrolling, conjuncts
from solvent.check.knobs import HI, LO, MAGNITUDE, UP, Knob, midpoint, simplest
from solvent.check.solving import (
    Deadline,
    Interrupted,
    check,
    in_fresh_context,
    interruptible,
    rlimit_count,
    select_properties,
)
from solvent.lang.values import format_number
from solvent.spec.spec import Spec

FOUND, UNBOUNDED, FAILED = "found", "unbounded", "failed"
_DOUBLINGS = 12
EXPENSIVE, EXPENSIVE_UNITS = 10, 2_000_000


@dataclass(frozen=True, slots=True)
class SymbolicAnswer:
    """What the k=1 step query says about the bound (as values of the bound).

    ``safe``: the step holds there (and everywhere more conservative); ``unsafe``: the step
    has a CTI there. ``exact``: ``Optimize`` gave the infimum and it was checked.
    """

    status: str  # FOUND | UNBOUNDED | FAILED
    reason: str
    solver_calls: int
    seconds: float
    safe: Fraction | None = None
    unsafe: Fraction | None = None
    exact: bool = False
    attained: bool | None = None
    engine: str = ""  # "optimize" | "search"
    obligation: str | None = None


class _Obligation:
    """One property conjunct of the step: its cone-of-influence query and the full one.

    Each check gets a fresh solver: after ``push`` Z3 switches to its incremental core,
    which is far weaker on nonlinear real arithmetic than the default tactic.
    """

    def __init__(
        self,
        label: str,
        u: Unrolling,
        goal: Any,
        widen: Any,
        limit: Fraction | None,
        memo: dict[int, frozenset[str]],
        rlimit: int | None = None,
        cpu_net: float | None = None,
    ) -> None:
        self.label, self.u, self.goal, self.widen = label, u, goal, widen
        self.rlimit, self.cpu_net = rlimit, cpu_net
        self.base = [*u.assumption_literals(), z3.Not(goal), widen >= 0]
        if limit is not None:
            self.base.append(widen <= z3_num(limit))
        # kept alive: `memo` is keyed by AST id, and Z3 reuses the ids of freed terms
        self.cone_goal = z3.And(goal, widen >= 0)
        self.sliced = u.sliced(self.cone_goal, memo)
        self.full: list[Any] | None = None
        # the largest widening proved to have no CTI: none below it either (the set of
        # widenings with a CTI is upward closed), so a search never asks below it again
        self.clear_upto: Fraction | None = None
        # the most of Z3's resource units one of its checks took (counted, not timed: the
        # same on every machine); an expensive one is asked only where it must be
        self.units = 0

    def assertions(self) -> list[Any]:
        return [*(self.full if self.full is not None else self.sliced), *self.base]

    def cti_within(
        self, v: Fraction, deadline: Deadline, calls: list[int]
    ) -> tuple[Any, Fraction | None]:
        """Is there a CTI with widening <= ``v``? (status, a widening with one)."""
        if self.clear_upto is not None and v <= self.clear_upto:
            return z3.unsat, None  # proved at a wider envelope (``clear_upto``)
        found = None
        for which in ("sliced", "full"):
            if which == "full" and self.full is None:
                self.full = self.u.everything()
            solver = z3.Solver()
            solver.add(*(self.sliced if which == "sliced" else self.full or []), *self.base)
            solver.add(self.widen <= z3_num(v))
            calls[0] += 1
            status = check(solver, deadline, rlimit=self.rlimit, cpu_cap=self.cpu_net)
            # Z3's counter is the context's, over every check so far: this one's is the
            # difference (``calls[1]``: the count after the last check)
            count = rlimit_count(solver)
            self.units = max(self.units, count - calls[1])
            calls[1] = count
            if status != z3.sat:
                if status == z3.unsat and (self.clear_upto is None or v > self.clear_upto):
                    self.clear_upto = v
                return status, None
            found = _upper(solver.model(), self.widen)
        return z3.sat, found


@in_fresh_context
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
    cleared: Fraction | None = None,
    rlimit: int | None = None,
    cpu_net: float | None = None,
) -> SymbolicAnswer:
    """Solve for the frontier of an envelope ``knob`` on the k=1 inductive step.

    ``start`` is the conservative end, ``far`` the other end of the range (None: no
    limit); ``direction`` is the widening direction of the knob. ``cleared``: a widening
    where this very step is known to hold for every obligation (a 1-induction PASS of the
    same spec and properties at the knob's spec value): not asked again. ``rlimit``: cap
    every solver call (and ``Optimize``, instead of ``optimize_ms``) by this many units of
    Z3's resource counter, so the answer does not depend on the machine's load; ``timeout``
    is then only the safety net of a budget, ``cpu_net`` (seconds of CPU per call) the
    one of a query that hardly advances the counter.
    """
    t0 = time.perf_counter()
    deadline = Deadline(timeout)
    counter = [0, 0]  # solver calls, Z3's resource count after the last one

    def result(status: str, reason: str, **kw: Any) -> SymbolicAnswer:
        return SymbolicAnswer(status, reason, counter[0], time.perf_counter() - t0, **kw)

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
    obligations = [
        _Obligation(
            decl.name if acc is None else f"{decl.name}[account {acc}]",
            u,
            p,
            widen,
            limit,
            memo,
            rlimit,
            cpu_net,
        )
        for decl, acc, prop in u.properties(1, decls)
        for p in conjuncts(prop)
    ]
    for each in obligations:
        each.clear_upto = cleared

    def cti_within(
        v: Fraction, skip: _Obligation | None = None, among: list[_Obligation] | None = None
    ) -> tuple[Any, _Obligation | None, Fraction | None]:
        for ob in obligations if among is None else among:
            if ob is not skip:
                status, found = ob.cti_within(v, deadline, counter)
                if status != z3.unsat:
                    return status, ob, found
        return z3.unsat, None, None

    def to_value(w: Fraction) -> Fraction:
        return start + sign * w

    def gave_up(ob: _Obligation | None) -> SymbolicAnswer:
        reason = "ran out of time" if deadline.expired() else "gave up"
        return result(FAILED, f"the solver {reason} on {ob.label if ob else 'the step'}")

    exact = None
    try:
        with interruptible():
            low, high, binding = Fraction(0), None, None
            guess = abs(knob.current - start) or Fraction(1)
            # after a round, the obligations far costlier than the others are skipped
            # (``deferred``) and asked at the end, at the answer; ``clear``: the last
            # widening every obligation was asked at without a CTI
            deferred: list[_Obligation] = []
            clear = Fraction(0)
            for _ in range(_DOUBLINGS):
                v = guess if limit is None else min(guess, limit)
                status, ob, found = cti_within(
                    v, among=[x for x in obligations if x not in deferred]
                )
                if status != z3.unsat and low == 0:
                    # the start itself, asked only now: no CTI at v is none at 0 (upward
                    # closed), and the obligations cleared at v are not asked again
                    status0, ob0, _ = cti_within(Fraction(0))
                    if status0 == z3.sat:
                        assert ob0 is not None
                        return result(
                            FAILED,
                            f"the k=1 step fails already at {format_number(start)} ({ob0.label})",
                            obligation=ob0.label,
                        )
                    if status0 == z3.unknown:
                        return gave_up(ob0)
                if status == z3.unknown:
                    return gave_up(ob)
                if status == z3.sat:
                    high, binding = (found if found is not None and found < v else v), ob
                    break
                low = v
                if not deferred:
                    clear = v
                deferred = _expensive(obligations)
                if limit is not None and v == limit:
                    break
                guess *= 2
            if (high is None or binding is None) and low > clear:
                # the deferred ones at the widest value without a CTI of the others
                status, ob, found = cti_within(low, among=deferred)
                if status == z3.unknown:
                    return gave_up(ob)
                if status == z3.sat:
                    high, binding, low = (found if found is not None else low), ob, clear
            if high is None or binding is None:
                return result(
                    UNBOUNDED,
                    "the k=1 step holds at every value searched",
                    safe=to_value(low),
                    engine="search",
                )
            # every other obligation asked once at high: one without a CTI there has none
            # below it (``clear_upto``); the one with the smallest CTI binds
            for other in obligations:
                if other is not binding and other not in deferred:
                    status, found = other.cti_within(high, deadline, counter)
                    if status == z3.sat and found is not None and found < high:
                        high, binding = found, other
            counter[0] += 1
            exact = _optimize(binding, high, optimize_ms, rlimit, deadline)
            if exact is not None and low <= exact[0] <= high:
                e, attained = exact
                below = simplest(max(low, e - tol), e, include_hi=False) if attained else e
                if e > 0 and cti_within(below, skip=binding)[0] == z3.unsat:
                    if attained:
                        low, high = below, e
                    else:
                        low, high = e, simplest(e, min(high, e + tol), include_lo=False)
                    return result(
                        FOUND,
                        f"{binding.label} bounds the k=1 step: infimum "
                        f"{format_number(to_value(e))}{'' if attained else ' + epsilon'}",
                        safe=to_value(low),
                        unsafe=to_value(high),
                        exact=True,
                        attained=attained,
                        engine="optimize",
                        obligation=binding.label,
                    )
            # narrowed on the obligations that bound it so far (``active``; the others,
            # often the expensive ones, are asked only at the end, at low): a CTI of an
            # active one is a CTI, and low is the answer once every obligation has none
            # there, else the one that has joins them and the narrowing goes on from the
            # last low every obligation cleared (``clear``)
            clear, active = min(clear, low), [binding]
            while True:
                while high - low > tol:
                    v = midpoint(low, high)
                    status, ob, found = cti_within(v, among=active)
                    if status == z3.unknown:
                        return gave_up(ob)
                    if status == z3.sat:
                        assert ob is not None  # a sat answer names its obligation
                        # a CTI at or below v is one at v: keep the short decimal v unless
                        # the model's own widening is much smaller
                        high = found if found is not None and found < low + (v - low) / 2 else v
                        binding = ob
                    else:
                        low = v
                status, ob, found = cti_within(low)
                if status == z3.unknown:
                    return gave_up(ob)
                if status == z3.unsat:
                    break
                assert ob is not None
                active = [x for x in obligations if x in active or x is ob]
                high = found if found is not None and found < low else low
                binding, low = ob, clear
    except Interrupted:
        return result(FAILED, "interrupted by the user (Ctrl-C)")
    why = (
        "Optimize gave up"
        if exact is None
        else "Optimize's answer did not hold for every obligation"
    )
    return result(
        FOUND,
        f"{binding.label} bounds the k=1 step ({why}; searched to the tolerance)",
        safe=to_value(low),
        unsafe=to_value(high),
        engine="search",
        obligation=binding.label,
    )


def _optimize(
    ob: _Obligation, v: Fraction, cap_ms: int, rlimit: int | None, deadline: Deadline
) -> tuple[Fraction, bool] | None:
    """The infimum widening of ``ob``'s CTIs up to ``v`` and whether it is attained
    (capped by ``rlimit`` units when given, else by ``cap_ms``)."""
    opt = z3.Optimize()
    if rlimit is not None:
        opt.set("rlimit", rlimit)
        net = deadline.remaining_ms()
        if net is not None:
            opt.set("timeout", net)
    else:
        opt.set("timeout", cap_ms)
    opt.add(*ob.assertions())
    opt.add(ob.widen <= z3_num(v))
    handle = opt.minimize(ob.widen)
    if opt.check() != z3.sat:
        return None
    lower = opt.lower(handle)
    if z3.is_rational_value(lower):
        return rational_of(lower), True
    if z3.is_add(lower) and lower.num_args() == 2:
        a, b = lower.arg(0), lower.arg(1)
        r, eps = (a, b) if z3.is_rational_value(a) else (b, a)
        if z3.is_rational_value(r) and str(eps) == "epsilon":
            return rational_of(r), False
    return None


def _expensive(obligations: list[_Obligation]) -> list[_Obligation]:
    """The obligations whose check took far more units than the others' (``EXPENSIVE``
    times the median, and at least ``EXPENSIVE_UNITS``): asked only at the ends."""
    asked = sorted(ob.units for ob in obligations if ob.units)
    if len(asked) < 2:
        return []
    median = asked[len(asked) // 2]
    return [ob for ob in obligations if ob.units >= max(EXPENSIVE * median, EXPENSIVE_UNITS)]


def _upper(model: z3.ModelRef, widen: Any) -> Fraction:
    """A rational widening at or above the model's (the set is upward closed)."""
    val = model.eval(widen, model_completion=True)
    if z3.is_rational_value(val):
        return rational_of(val)
    return Fraction(val.approx(20).as_decimal(20).rstrip("?")) + Fraction(1, 10**19)
