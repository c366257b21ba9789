"""The inductive step of k-induction, one small query per obligation.

From an *arbitrary* state where every property held for ``k`` consecutive steps, one
more step must keep each property. Each obligation (one conjunct of one property, e.g.
one account's health) is first checked on its cone of influence, a sound subset of the
constraints, and only when that is not enough on all of them.
"""

from __future__ import annotations

from typing import Any

import z3

from solvent.check.encode import Unrolling, conjuncts
from solvent.check.solving import Deadline, check, in_fresh_context, model_value
from solvent.lang.values import format_number
from solvent.spec.spec import PredicateDecl, Spec

# Z3 resource units per minimization query (a counter: machine-independent answers), and
# the wall-clock safety net behind it
MINIMIZE_RLIMIT = 4_000_000
MINIMIZE_SAFETY_MS = 60_000


@in_fresh_context
def inductive_step(
    spec: Spec,
    decls: list[PredicateDecl],
    k: int,
    deadline: Deadline,
    *,
    rlimit: int | None = None,
    cpu_cap: float | None = None,
    minimize: bool = True,
) -> dict[str, Any]:
    """Check the step; returns {"status": "proved"|"cti"|"unknown", ...}.

    ``rlimit`` caps each check by Z3's resource counter (the same answer on a busy and an
    idle machine; a check that reaches it is unknown), ``cpu_cap`` is the safety net behind
    it in seconds of CPU (see ``solving.check``); ``minimize`` False skips the
    minimization of the unsat cores (a caller that only needs the verdict).
    """
    u = Unrolling(spec, free_init=True)
    for t in range(k):
        for decl, _acc, p in u.properties(t, decls):
            for c in conjuncts(p):
                u.assume(f"hyp.{decl.name}", c)
        u.add_step()
    obligations = [(decl, acc, c) for decl, acc, p in u.properties(k, decls) for c in conjuncts(p)]
    by_lit = {str(lit): name for name, lit in u.literals.items()}
    lits = u.assumption_literals()
    memo: dict[int, frozenset[str]] = {}
    proved: list[tuple[z3.Solver, set[str]]] = []
    for decl, acc, p in obligations:
        label = decl.name if acc is None else f"{decl.name}[account {acc}]"
        # first the cone of influence of this obligation (a proof there is a proof),
        # then, only if that is not enough, every constraint
        status, solver = z3.unknown, None
        for constraints in (u.sliced(p, memo), None):
            solver = z3.Solver()
            solver.add(*(u.everything() if constraints is None else constraints))
            solver.add(z3.Not(p))
            status = check(solver, deadline, lits, rlimit=rlimit, cpu_cap=cpu_cap)
            if status == z3.unsat or deadline.expired():
                break
        assert solver is not None
        if status == z3.unsat:
            proved.append(
                (solver, {by_lit[str(c)] for c in solver.unsat_core() if str(c) in by_lit})
            )
            continue
        if status == z3.unknown:
            return {"status": "unknown", "reason": solver.reason_unknown(), "obligation": label}
        model = solver.model()
        state = _state_of(u, model, 0)
        choices = {
            inp.name: _fmt(model_value(model, inp.var, inp.scale))
            for inp in u.inputs
            if inp.kind != "init"
        }
        return {
            "status": "cti",
            "obligation": label,
            "state": state,
            "choices": choices,
            "suggestion": _suggest(decl.name, acc),
        }
    if minimize:
        used, minimized = _minimize(proved, u, deadline)
    else:
        used, minimized = set().union(*(core for _, core in proved)) if proved else set(), False
    return {
        "status": "proved",
        "core": used,
        "minimized": minimized,
        "all": list(u.literals),
        "obligations": len(obligations),
    }


def _minimize(
    proved: list[tuple[z3.Solver, set[str]]],
    u: Unrolling,
    deadline: Deadline,
    budget: float = 120.0,
    rlimit: int = MINIMIZE_RLIMIT,
) -> tuple[set[str], bool]:
    """Drop assumptions from the union of the unsat cores while every obligation stays unsat.

    Z3's raw cores are not minimal; deletion-based minimization over the few named
    assumptions is cheap per query. Each query is capped by Z3's resource counter, not a
    clock, so the list reported is the same on a busy and an idle machine (an assumption
    whose query runs out is kept). A safety net stops it after ``budget`` seconds (then
    it reports the union as not minimized, and says so: over-reporting a used assumption
    is safe, under-reporting not).
    """
    used = set().union(*(core for _, core in proved)) if proved else set()
    start = deadline.elapsed()
    for name in sorted(used):
        if deadline.elapsed() - start > budget or deadline.expired():
            return used, False
        trial = used - {name}
        lits = [u.literals[n] for n in sorted(trial)]
        ok = True
        for solver, core in proved:
            if name not in core:
                continue
            status = check(solver, deadline, lits, cap_ms=MINIMIZE_SAFETY_MS, rlimit=rlimit)
            if status != z3.unsat:
                ok = False
                break
        if ok:
            used = trial
    return used, True


def _state_of(u: Unrolling, model: z3.ModelRef, t: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in u.states[t].items():
        if isinstance(value, list):
            out[name] = [_fmt(model_value(model, v.raw, u.scale)) for v in value]
        else:
            out[name] = _fmt(model_value(model, value.raw, u.scale))
    return out


def _fmt(v: Any) -> Any:
    if v is None:
        return "(irrational)"
    if isinstance(v, bool):
        return v
    return format_number(v)


def _suggest(name: str, acc: int | None) -> str:
    who = "per account (`def lemma(s, p, a)`)" if acc is not None else ""
    return (
        "if this state cannot occur, add a @spec.lemma that rules it out"
        + (f" {who}" if who else "")
        + f" (e.g. a health condition every account meets after the keepers run), or try a "
        f"larger --k; check the reported state against `{name}`"
    )
