"""The members of the bmc portfolio (``portfolio``) and the solver queries they ask.

Each member answers "is there a path of at most ``depth`` steps that breaks a property?"
with an :class:`Answer` of plain values (it crosses process boundaries):

- ``incremental``: the incremental, unsat-first unrolling of ``bmc.bmc`` (``unroll``);
- ``deepest``: "some property fails within K steps" for K on a ladder up to the depth,
  then fewer steps until unsatisfiable (``shorten``), so its depth is a shortest one;
- ``fresh``: a new non-incremental solver per depth (other nonlinear strategies in Z3);
- ``falsify``: concrete random and envelope-corner paths (``falsify``);
- ``induction``: the quick 1-induction of ``bmc.bmc`` (a PASS for every depth);
- ``few``: the incremental unrolling of a copy of the spec with 1, 2, ... accounts, its
  counterexample lifted to the spec's accounts and replayed (``symmetry``).

The queries build on the public ``Unrolling`` of ``encode`` only (no solver names).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from solvent.check import progress
from solvent.check.encode import Unrolling
from solvent.check.falsify import SEED, falsify
from solvent.check.results import FAIL, PASS, UNKNOWN, CheckResult
from solvent.check.round_values import readable_values
from solvent.check.solving import (
    Deadline,
    Interrupted,
    IrrationalModel,
    check,
    fresh_context,
    rlimit_count,
    trace_from_values,
)
from solvent.check.within import shorten, unrolled_in_new_solver, within
from solvent.engine.trace import Trace
from solvent.spec.spec import PredicateDecl, Spec


@dataclass(slots=True)
class Answer:
    """One member's answer (plain values only: it crosses process boundaries)."""

    member: str
    verdict: str  # FAIL | PASS | UNKNOWN
    seconds: float = 0.0
    depth: int | None = None  # FAIL: the violation's depth; UNKNOWN: deepest depth cleared
    shortest: bool = False  # FAIL: no shorter violation exists
    trace: Trace | None = None  # FAIL: the path (concrete, or derived from the model)
    failed: tuple[str, ...] = ()  # FAIL: the properties broken at ``depth``
    note: str = ""
    extra: dict[str, object] = field(default_factory=dict)
    # the incremental member: Z3's resource units of each depth's check, in order (a count,
    # the same on a busy and an idle machine; not in the report)
    units: list[int] = field(default_factory=list)
    # the incremental member on the whole spec: its initial state was satisfiable and depth
    # 0 free of violations (the opening's two checks, ``opening.after_attempt``)
    opened: bool = False


def _at_depth(spec: Spec, decls: Sequence[PredicateDecl], k: int, deadline: Deadline) -> str:
    """``at_depth_path``'s answer as a solver status: "sat", "unsat" or "unknown"."""
    verdict = at_depth_path(spec, decls, k, deadline, False).verdict
    return {FAIL: "sat", PASS: "unsat"}.get(verdict, "unknown")


def at_depth_path(
    spec: Spec,
    decls: Sequence[PredicateDecl],
    k: int,
    deadline: Deadline,
    simplify: bool,
    rlimit: int | None = None,
) -> Answer:
    """The ``fresh`` member's query at depth ``k``: a new non-incremental solver, the
    properties before ``k`` as facts, one of them broken at ``k``. FAIL with the model's
    path, PASS when unsatisfiable (no violation at ``k``), else UNKNOWN. It is solved on
    a copy parsed from its SMT-LIB text (``_reparsed``), capped by ``rlimit`` units."""
    with fresh_context():
        if (query := depth_query(spec, decls, k, deadline)) is None:
            return Answer("fresh", UNKNOWN, depth=k - 1, note="out of time while encoding")
        solver, u, props = query
        status, pins = _reparsed(solver, deadline, rlimit)
        if status == z3.sat and check(solver, deadline, pins) != z3.sat:  # pragma: no cover
            status = z3.unknown  # the model of the parsed copy is one of this query's
        if status == z3.unsat:
            return Answer("fresh", PASS, depth=k)
        if status != z3.sat:
            return Answer("fresh", UNKNOWN, depth=k - 1, note=f"the depth-{k} query gave up")
        model = solver.model()
        failed = tuple(
            d.name for d, _, p in props if z3.is_false(model.eval(p, model_completion=True))
        )
        try:
            values = readable_values(solver, u, k, failed, deadline, prefer_simple=simplify)
        except IrrationalModel:  # the member's find still counts; its path is derived again
            return Answer("fresh", FAIL, depth=k, shortest=True, failed=failed)
        trace = trace_from_values(u, values, k, {})
        return Answer("fresh", FAIL, depth=k, shortest=True, trace=trace, failed=failed)


def depth_query(spec: Spec, decls: Sequence[PredicateDecl], k: int, deadline: Deadline) -> Any:
    """(solver, unrolling, properties at ``k``) of the one-shot query at depth ``k`` (the
    properties before it as facts, one broken at it); None if out of time encoding."""
    if (unrolled := unrolled_in_new_solver(spec, k, deadline)) is None:
        return None
    solver, u = unrolled
    solver.add(*u.assumption_literals())
    for t in range(k):
        solver.add(*[p for _, _, p in u.properties(t, decls)])
    props = u.properties(k, decls)
    solver.add(z3.Or([z3.Not(p) for _, _, p in props]))
    return solver, u, props


def _reparsed(solver: z3.Solver, deadline: Deadline, rlimit: int | None) -> tuple[Any, list[Any]]:
    """``solver``'s assertions solved in a new Z3 context parsed from their SMT-LIB text:
    (status, the model's values as equalities of ``solver``'s constants when sat).

    The nonlinear solver's speed depends on the terms' ids, which the Python objects
    created and freed before (even in another context) change: the fixed-point corpus
    spec's depth-3 query on 1 account answered in 0.4 s or not in 60 s in the same
    process, depending on the Z3 work before it (benchmarks/results/engine.md, round 9).
    The parsed copy numbers its terms by the text alone, so its answer (and the units it
    uses, ``rlimit``) is the same however and wherever it is asked.
    """
    ctx = z3.Context()
    copy = z3.Solver(ctx=ctx)
    copy.from_string(solver.to_smt2())
    status = check(copy, deadline, rlimit=rlimit)
    if status != z3.sat:
        return (z3.unsat if status == z3.unsat else z3.unknown), []
    model, home = copy.model(), solver.ctx
    pins = [
        d().translate(home) == model[d].translate(home) for d in model.decls() if d.arity() == 0
    ]
    return z3.sat, pins


def fresh_from(
    spec: Spec,
    decls: Sequence[PredicateDecl],
    start: int,
    depth: int,
    deadline: Deadline,
    simplify: bool,
    rlimit: int | None = None,
) -> Answer:
    """The ``fresh`` member's queries at depths ``start`` to ``depth`` (the depths before
    ``start`` known free of violations), each capped by ``rlimit`` units."""
    for k in range(max(start, 1), depth + 1):
        answer = at_depth_path(spec, decls, k, deadline, simplify, rlimit)
        if answer.verdict != PASS:
            return answer
    return Answer("fresh", PASS, depth=depth)


# resource units of each capped check of `unroll`
PREFIX_RLIMIT = 5_000_000  # resource units per replayed shorter-depth check of `canonical`
# resource units of the canonical unrolling's check at the violation's depth (the corpus's
# depth-3 checks on 1-3 accounts use 0.05-2.9 million, the perp_pool_overreserved example's
# between 5 and 10 million: at 5 million its golden path was lost); past it `canonical`
# takes the path of the one-shot query (`at_depth_path`)
CANONICAL_RLIMIT = 50_000_000
# the first, cheap pass of the canonical derivation at a shortest depth (``canonical``;
# not the first attempt's cap, ``first_attempt.FIRST_RLIMIT``)
CHEAP_RLIMIT = 1_500_000
QUICK_CPU = 5.0  # seconds of CPU per check of that pass (a safety net, as the first attempt's)


def unroll(
    spec: Spec,
    decls: list[PredicateDecl],
    depth: int,
    deadline: Deadline,
    simplify: bool,
    *,
    known: int | None = None,
    facts: bool = True,
    rlimit: int | None = None,
    quick: bool = False,
) -> Answer:
    """The incremental, unsat-first unrolling of ``bmc.bmc``, in a canonical form.

    With ``known = d`` (the canonical derivation of a violation known to lie at depth
    ``d``) each shorter depth's check is capped by ``PREFIX_RLIMIT`` units of Z3's
    resource counter (a counter, not a clock: the solver's state, and so its model, is the
    same on a busy and an idle machine) and only brings the solver into that state; their
    properties are kept as facts (when ``facts``), and the check at ``d`` is uncapped.
    As the ``incremental`` member (``known`` None) every check is uncapped, exactly as in
    ``bmc.bmc``; when each unsatisfiable check used at most ``PREFIX_RLIMIT`` units, the
    canonical derivation would have passed through the same states, so the member's
    counterexample is the canonical one (``extra["canonical"]``); otherwise the portfolio
    derives it again. ``rlimit`` caps every check of the member (the portfolio's first
    attempt in its own process): a capped check that answers gives the uncapped answer
    and model (the counter stops Z3, it does not steer it); one that hits the cap is
    UNKNOWN. ``quick`` (with ``known``): UNKNOWN as soon as a shorter depth's check hits
    its cap (``canonical``'s first, cheap pass; its path is then derived another way),
    each check also stopped after ``QUICK_CPU`` seconds of CPU (Z3's nonlinear steps can
    advance the counter so slowly that a check capped at 1.5 million units ran for 126 s).
    """
    canon = True
    net = QUICK_CPU if quick else None
    spent: list[int] = []  # the answer's ``units``
    with fresh_context():
        solver = z3.Solver()
        u = Unrolling(spec, solver)
        initial = check(solver, deadline, u.assumption_literals())
        opened = False  # ``Answer.opened``: set once depth 0 is cleared
        last = depth if known is None else known
        for k in range(last + 1):
            progress.note(depth=k)
            if k > 0 and deadline.expired():  # encoding a step is not stopped by Z3's timeout
                return Answer(
                    "incremental", UNKNOWN, depth=k - 1, note=f"out of time at {k}", opened=opened
                )
            if k > 0:
                u.add_step()
            props = u.properties(k, decls)
            solver.push()
            solver.add(z3.Or([z3.Not(p) for _, _, p in props]))
            lits = u.assumption_literals()
            if known is not None and k < known:
                prefix = check(solver, deadline, lits, rlimit=PREFIX_RLIMIT, cpu_cap=net)
                if quick and prefix == z3.unknown:
                    note = f"depth {k}'s check hit its cap"
                    return Answer("incremental", UNKNOWN, depth=k, note=note)
                status = z3.unsat if facts else None
            elif known is not None:
                status = check(solver, deadline, lits, rlimit=rlimit, cpu_cap=net)
            else:
                used = rlimit_count(solver)
                status = check(solver, deadline, lits, rlimit=rlimit)
                took = rlimit_count(solver) - used
                spent.append(took)
                if status == z3.unsat and took > PREFIX_RLIMIT:
                    canon = False  # canonical's capped check would have stopped early
                if status == z3.sat and took > (CHEAP_RLIMIT if k else CANONICAL_RLIMIT):
                    canon = False  # canonical's (first) pass would have stopped: it may differ
            if status == z3.sat:
                model = solver.model()
                failed = tuple(
                    dcl.name
                    for dcl, _, p in props
                    if z3.is_false(model.eval(p, model_completion=True))
                )
                for lit in lits:
                    solver.add(lit)
                try:
                    values = readable_values(solver, u, k, failed, deadline, prefer_simple=simplify)
                except IrrationalModel as exc:
                    return Answer(
                        "incremental",
                        UNKNOWN,
                        depth=k,
                        failed=failed,
                        note=str(exc),
                        extra={"irrational": True},
                        opened=opened,
                    )
                # its simplification cut short by the member's turn: the portfolio derives it
                canon = canon and not deadline.expired()
                trace = trace_from_values(u, values, k, {})
                return Answer(
                    "incremental",
                    FAIL,
                    depth=k,
                    shortest=True,
                    trace=trace,
                    failed=failed,
                    extra={"canonical": canon},
                    units=spent,
                    opened=opened,
                )
            if status == z3.unknown:
                return Answer(
                    "incremental",
                    UNKNOWN,
                    depth=max(k - 1, 0),
                    note=f"gave up at depth {k}: {solver.reason_unknown()}",
                    units=spent,
                    opened=opened,
                )
            if known is not None and k == known:
                return Answer("incremental", UNKNOWN, depth=k, note="no violation at this depth")
            solver.pop()
            if status == z3.unsat:
                for _, _, p in props:
                    solver.add(p)
                # the opening's checks, the same (its own context): no vacuity, no depth 0
                opened = opened or (k == 0 and known is None and initial == z3.sat)
    return Answer("incremental", PASS, depth=depth, units=spent, opened=opened)


def run_member(
    name: str,
    spec: Spec,
    decls: list[PredicateDecl],
    depth: int,
    seconds: float | None,
    simplify: bool = True,
    turn: int = 0,
) -> Answer:
    """Run one member under a budget of ``seconds`` (None: unlimited); ``turn``: the
    falsifier's turn (each turn draws other paths)."""
    began = time.perf_counter()
    deadline = Deadline(seconds)
    try:
        if name == "falsify":
            answer = _falsify(spec, decls, depth, deadline, simplify, turn)
        else:
            fn = _MEMBER_FNS.get(name) or _WORDING_FNS[name]
            answer = fn(spec, decls, depth, deadline, simplify)
    except Interrupted:
        answer = Answer(name, UNKNOWN, note="interrupted")
    answer.seconds = time.perf_counter() - began
    return answer


def _falsify(
    spec: Spec,
    decls: list[PredicateDecl],
    depth: int,
    deadline: Deadline,
    simplify: bool,
    turn: int = 0,
) -> Answer:
    budget = deadline.seconds
    names = [d.name for d in decls]
    trace, tried = falsify(spec, names, depth, seconds=budget, seed=SEED + turn)
    if trace is None:
        return Answer(
            "falsify",
            UNKNOWN,
            note=f"no violation in {tried} concrete paths",
            extra={"paths": tried},
        )
    return Answer("falsify", FAIL, depth=len(trace.steps), trace=trace, extra={"paths": tried})


def ladder(depth: int) -> list[int]:
    """The depths ``deepest`` asks about: 3, 6, 12, ... and ``depth`` itself."""
    rungs, r = [], 3
    while r < depth:
        rungs.append(r)
        r *= 2
    return [*rungs, depth]


def _deepest(
    spec: Spec, decls: list[PredicateDecl], depth: int, deadline: Deadline, simplify: bool
) -> Answer:
    cleared = 0
    for rung in ladder(depth):
        paths: list[Trace] = []
        status, t = within(spec, decls, rung, deadline, paths=paths)
        if status == "unknown":
            return Answer(
                "deepest", UNKNOWN, depth=cleared, note=f"the within-{rung}-steps query gave up"
            )
        if status == "sat":
            d, shortest = shorten(spec, decls, t, deadline, paths=paths)
            # the last query's path (depth >= d): shown only if the canonical derivation
            # at ``d`` does not answer within the budget (``canonical.from_trace``)
            return Answer(
                "deepest", FAIL, depth=d, shortest=shortest, trace=paths[-1] if paths else None
            )
        cleared = rung
    return Answer("deepest", PASS, depth=depth)


def few_accounts(
    spec: Spec,
    decls: Sequence[PredicateDecl],
    depth: int,
    deadline: Deadline,
    simplify: bool,
    known: int | None = None,
    *,
    active: int | None = None,
    rlimit: int | None = None,
) -> Answer:
    """The ``few`` member: search with 1, 2, ... accounts, lift, replay on ``spec``.

    With ``known = d`` it derives a violation known to lie at depth ``d`` (the canonical
    derivation of ``canonical.canonical`` for many accounts). Its depth is a shortest one
    for the smaller spec, not for ``spec`` (``shortest`` is False). ``active``: at most
    that many active accounts; ``rlimit``: the cap of each check (see ``unroll``).
    """
    from solvent.check.symmetry import lift, same_decls, smaller

    tried = []
    for m, small in smaller(spec)[:active]:
        progress.note(phase=f"bmc on {m} active account(s)")
        out = unroll(
            small,
            same_decls(small, decls),
            depth,
            deadline,
            simplify,
            known=known,
            facts=False,
            rlimit=rlimit,
        )
        tried.append(m)
        if out.verdict == FAIL and out.trace is not None and out.depth is not None:
            lifted = lift(spec, out.trace, out.depth, out.failed)
            if lifted is not None:
                return Answer(
                    "few",
                    FAIL,
                    depth=out.depth,
                    trace=lifted,
                    failed=out.failed,
                    extra={"active_accounts": m},
                )
        elif deadline.expired():
            break
    note = f"tried {', '.join(map(str, tried))} active account(s)" if tried else "not applicable"
    return Answer("few", UNKNOWN, depth=0, note=note)


def _induction(
    spec: Spec, decls: list[PredicateDecl], depth: int, deadline: Deadline, simplify: bool
) -> Answer:
    from solvent.check.bmc_lemmas import inferred_inductive

    lemmas = inferred_inductive(spec, decls, deadline)
    if lemmas is None:
        return Answer("induction", UNKNOWN, depth=0, note="not shown 1-inductive")
    extra: dict[str, object] = {"method": "1-induction"}
    if lemmas:  # plain values: the answer crosses process boundaries
        extra["inferred"] = [f"{i.decl.name}: {i.text}" for i in lemmas]
    return Answer("induction", PASS, depth=depth, extra=extra)


def _plain_induction(
    spec: Spec, decls: list[PredicateDecl], depth: int, deadline: Deadline, simplify: bool
) -> Answer:
    """1-induction without inferred lemmas: only words a PASS another member found."""
    from solvent.check.verdicts import inductive as _inductive

    if _inductive(spec, decls, deadline):
        return Answer("induction", PASS, depth=depth, extra={"method": "1-induction"})
    return Answer("induction", UNKNOWN, depth=0, note="not shown 1-inductive")


def _fresh(
    spec: Spec, decls: list[PredicateDecl], depth: int, deadline: Deadline, simplify: bool
) -> Answer:
    # its own path, unsimplified (cheap): shown, noted, if the canonical derivation
    # cannot answer within the budget
    return fresh_from(spec, decls, 1, depth, deadline, False)


_MEMBER_FNS: dict[str, Callable[[Spec, list[PredicateDecl], int, Deadline, bool], Answer]] = {
    "falsify": _falsify,
    "deepest": _deepest,
    "incremental": unroll,
    "fresh": _fresh,
    "few": few_accounts,
    "induction": _induction,
}
# members run only by name, never raced (``portfolio._passed``)
_WORDING_FNS = {"plain_induction": _plain_induction}


def incremental_path(
    search: Any,
    spec: Spec,
    depth: int,
    deadline: Deadline,
    invariants: Sequence[str] | None,
    simplify: bool,
) -> CheckResult | None:
    """The counterexample the incremental search finds, when the canonical derivation ran
    out of its resource caps: the winner's own path would make the report depend on which
    member won (and so on the machine); this one is the same on every machine and --jobs."""
    again = search(
        spec,
        depth,
        timeout=deadline.left(),
        invariants=invariants,
        simplify=simplify,
        induction=False,
    )
    return again if again.verdict == FAIL else None
