"""The inductive step of k-induction, one small query per obligation.

From an *arbitrary* state where every property held for ``k`` consecutive steps, one
more step must keep each property. Each obligation (one conjunct of one property, e.g.
one account's health) is first checked on its cone of influence, a sound subset of the
constraints, and only when that is not enough on all of them. The one-account proof
(``nonincremental``) asks each first once per case of the step's choices (``cases``),
each case's unsat core naming the assumptions it used; before that, all of them at once
in each case (``_together``), which proves a step that holds in one query per case.
"""

from __future__ import annotations

from typing import Any

import z3

from solvent.check.cases import split_check, step_cases
from solvent.check.encode import Unrolling, conjuncts
from solvent.check.minimize_query import MINIMIZE_BUDGET, MINIMIZE_RLIMIT, shrink
from solvent.check.solving import Deadline, check, in_fresh_context, model_value
from solvent.check.step_reuse import StepProof
from solvent.lang.values import format_number
from solvent.spec.spec import PredicateDecl, Spec

# the unsat core of an obligation proved by a query without assumptions (``_asserted``):
# resource units and seconds of CPU for the query with them, which only names the
# assumptions used (all of them when it gives up)
CORE_RLIMIT = 4_000_000
CORE_CPU = 2.0


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
    nonincremental: bool = False,
    proved: StepProof | None = None,
) -> dict[str, Any]:
    """Check the step; returns {"status": "proved"|"cti"|"unknown", ...}.

    ``rlimit`` caps each check by Z3's resource counter (the same answer on a busy and an
    idle machine; a check that reaches it is unknown), ``cpu_cap`` is the safety net behind
    it in seconds of CPU (see ``solving.check``); ``minimize`` False skips the
    minimization of the unsat cores (a caller that only needs the verdict);
    ``nonincremental`` asks each obligation of a fresh solver with the named assumptions
    asserted (``_asserted``); ``proved``: the step already proved by Houdini's queries
    (``step_reuse``), taken when it fits this step, else asked as before.
    """
    u = Unrolling(spec, free_init=True)
    for t in range(k):
        for decl, _acc, p in u.properties(t, decls):
            for c in conjuncts(p):
                u.assume(f"hyp.{decl.name}", c)
        u.add_step()
    obligations = [(decl, acc, c) for decl, acc, p in u.properties(k, decls) for c in conjuncts(p)]
    count = len(obligations)
    by_lit = {str(lit): name for name, lit in u.literals.items()}
    lits = u.assumption_literals()
    memo: dict[int, frozenset[str]] = {}
    cases = step_cases(u, guards=True) if nonincremental else None  # each guard split too
    names = [d.name for d in decls]
    if proved is not None and cases and proved.fits(names, k, len(cases), u.literals):
        return {
            "status": "proved",
            "core": set(proved.core),
            "minimized": proved.minimized,
            "all": list(u.literals),
            "obligations": count,
        }
    proofs: list[tuple[z3.Solver | None, set[str]]] = []
    together = _together(u, obligations, cases, memo, lits, by_lit, deadline, rlimit)
    if together is not None:  # every obligation proved at once, case by case
        proofs.extend(together)
        obligations = []
    for decl, acc, p in obligations:
        label = decl.name if acc is None else f"{decl.name}[account {acc}]"
        # first the cone of influence of this obligation (a proof there is a proof),
        # then, only if that is not enough, every constraint
        status, solver, core = z3.unknown, None, None
        pieces: list[tuple[z3.Solver, set[str]]] = []
        for constraints in (u.sliced(p, memo), None):
            base = u.everything() if constraints is None else constraints
            case = None
            if cases:  # one query per case of the step's choices (``cases``)
                split = split_check(
                    [*base, z3.Not(p)],
                    cases,
                    deadline,
                    assumptions=lits,
                    by_lit=by_lit,
                    rlimit=rlimit,
                )
                if split.status == z3.unsat:
                    status, pieces = z3.unsat, split.proofs
                    break
                if split.status == z3.sat:
                    if constraints is not None:
                        continue  # a model of the slice: ask every constraint
                    case = split.case  # the model (a CTI) within the satisfiable case
            if case is not None:
                status, solver, core = _asserted([*base, case], p, lits, by_lit, deadline, rlimit)
                if status != z3.sat:
                    case = None
            if nonincremental and case is None:
                status, solver, core = _asserted(base, p, lits, by_lit, deadline, rlimit)
            elif case is None:
                solver = z3.Solver()
                solver.add(*base)
                solver.add(z3.Not(p))
                status = check(solver, deadline, lits, rlimit=rlimit, cpu_cap=cpu_cap)
            if status == z3.unsat or deadline.expired():
                break
        if pieces:  # each case's solver and core (``_minimize`` re-asks each)
            proofs.extend(pieces)
            continue
        if status == z3.unsat:
            if core is None:
                assert solver is not None
                core = {by_lit[str(c)] for c in solver.unsat_core() if str(c) in by_lit}
            proofs.append((solver, core))
            continue
        assert solver is not None
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
        used, minimized = _minimize(proofs, u, deadline)
    else:
        used, minimized = set().union(*(core for _, core in proofs)) if proofs else set(), False
    return {
        "status": "proved",
        "core": used,
        "minimized": minimized,
        "all": list(u.literals),
        "obligations": count,
    }


def _together(
    u: Unrolling,
    obligations: list[tuple[Any, Any, Any]],
    cases: list[Any] | None,
    memo: dict[int, frozenset[str]],
    lits: list[Any],
    by_lit: dict[str, str],
    deadline: Deadline,
    rlimit: int | None,
) -> list[tuple[z3.Solver, set[str]]] | None:
    """Every obligation of a split step (``cases``) asked at once: one query per case,
    "some obligation fails", on the cone of influence of them all, with the named
    assumptions; each case's solver and unsat core when every case is unsat, else None
    (the caller then asks each obligation alone, as before: a CTI names one).

    An unsat case proves each obligation there with the assumptions its core names, so
    the union of the cores is a set of assumptions the step used, as the obligations'
    own cores were (``_minimize`` then asks again without each). The per-query log of
    the corpus's quote-style two-market proof on one account: 6 case queries in 0.3 s of
    CPU where the 28 per obligation took 0.8 s (the hard obligation's cases dominate, and
    the others ride along in the same query).
    """
    if not cases or len(obligations) < 2:
        return None
    some = z3.Or([z3.Not(p) for _d, _a, p in obligations])
    split = split_check(
        [*u.sliced(some, memo), some],
        cases,
        deadline,
        assumptions=lits,
        by_lit=by_lit,
        rlimit=rlimit,
    )
    return split.proofs if split.status == z3.unsat else None


def _asserted(
    base: list[Any],
    p: Any,
    lits: list[Any],
    by_lit: dict[str, str],
    deadline: Deadline,
    rlimit: int | None,
) -> tuple[Any, z3.Solver | None, set[str] | None]:
    """One obligation asked of a fresh solver with the named assumptions asserted, then
    its unsat core: (status, the solver whose model or core counts, the core or None).

    A check with assumptions makes Z3 use its incremental core, which is weak on nonlinear
    real arithmetic: the two-market one-account step ran for minutes (past its resource
    cap, which that core hardly advances). Asked without assumptions, Z3 uses its
    nonlinear tactic (nlsat), which proves it in seconds under the same cap. The core then
    comes from the query with assumptions, capped by ``CORE_RLIMIT`` units and
    ``CORE_CPU`` seconds of CPU; when it gives up every assumption counts as used (too
    many is safe; the solver is then None: nothing to minimize with).
    """
    solver = z3.Solver()
    solver.add(*base, *lits, z3.Not(p))
    status = check(solver, deadline, (), rlimit=rlimit)
    if status == z3.unknown and not deadline.expired():
        # and the other way round: the incremental core proves some steps (the
        # span_margin example's, 3 accounts) within the cap where nlsat does not
        solver = z3.Solver()
        solver.add(*base, z3.Not(p))
        status = check(solver, deadline, lits, rlimit=rlimit)
        core = {by_lit[str(c)] for c in solver.unsat_core() if str(c) in by_lit}
        return status, solver, core if status == z3.unsat else None
    if status != z3.unsat:
        return status, solver, None
    cored = z3.Solver()
    cored.add(*base, z3.Not(p))
    if check(cored, deadline, lits, rlimit=CORE_RLIMIT, cpu_cap=CORE_CPU) == z3.unsat:
        return status, cored, {by_lit[str(c)] for c in cored.unsat_core() if str(c) in by_lit}
    return status, None, set(by_lit.values())


def _minimize(
    proved: list[tuple[z3.Solver | None, set[str]]],
    u: Unrolling,
    deadline: Deadline,
    budget: float = MINIMIZE_BUDGET,
    rlimit: int = MINIMIZE_RLIMIT,
) -> tuple[set[str], bool]:
    """The union of the unsat cores less the assumptions every obligation's query stays
    unsat without (``minimize_query.shrink``), and whether that set is minimized."""
    used = set().union(*(core for _, core in proved)) if proved else set()
    fixed = bool(getattr(u.backend, "fixed", False))
    minimized = shrink(proved, used, deadline, fixed=fixed, budget=budget, rlimit=rlimit)
    return used, minimized


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
