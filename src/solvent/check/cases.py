"""One hard step query as a few easy ones: a case split on the step's discrete choices.

A step query of a margin protocol (one account, one step) mixes every branch of the step
into one nonlinear formula: which user action ran (``s1.action`` is 0, 1, ..., n) and
whether each keeper fired. Z3's nonlinear solver explores those branches inside its
search, where the products of prices and sizes of every branch are live at once: the
two-market spec's keeper guard took 1.4-2.6 s of CPU a query (10 of them in one proof).
Asked once per case, with the case's choices substituted and the equations of the
step's fresh variables solved away first (Z3's ``simplify``, ``propagate-values``,
``solve-eqs``), each case is linear or nearly so: the same obligation in 0.2-0.4 s in all.
In fixed-point arithmetic each action's case is split again by whether its guard held
(``_guarded``).

The cases partition the step: the action choice is exactly one of 0..n (the unrolling
asserts it), and each keeper's firing is true or false. So the query is unsatisfiable iff
every case is; a satisfiable case is a model of the whole query with the case added (the
caller asks the unsimplified query plus that case for a model it can read). The
preprocessing is Z3's own equisatisfiable rewriting. Each case is capped by the caller's
resource limit (a count, not a clock: the same answer on every machine); a case that runs
out (or past its CPU safety net, ``CASE_CPU``) makes the split give up (``unknown``) and
the caller asks the whole query as before, so nothing the unsplit query proves is lost.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from solvent.check.encode import Unrolling
from solvent.check.solving import Deadline, check, rlimit_count

# at most this many cases a query (actions + 1, times 2 per keeper firing); a spec with
# more choices in a step is asked whole (the split would cost more than it saves)
MAX_CASES = 16
# seconds of CPU a case may take (the safety net behind its resource limit: with named
# assumptions Z3 uses its incremental core, whose counter some nonlinear steps hardly
# advance); a case stopped by it makes the split give up, and the query is asked whole
CASE_CPU = 2.0
_PREPARE = ("simplify", "propagate-values", "solve-eqs", "simplify")
# Houdini's fixed-point proofs beside their cores: obligation -> case -> (the case's solver,
# the names of the obligations its query asked together; ``step_reuse`` re-asks it)
Proofs = dict[str, dict[int, tuple[z3.Solver, frozenset[str]]]]


@dataclass(slots=True)
class Split:
    """The answer of a split query: ``status`` (z3.unsat, z3.sat or z3.unknown), the case
    that was satisfiable (or ran out), and for an unsat answer one solver per case with
    its unsat core of named assumptions (``minimize`` re-asks them)."""

    status: Any
    case: Any = None
    proofs: list[tuple[z3.Solver, set[str]]] = field(default_factory=list)

    def core(self) -> set[str]:
        return set().union(*(c for _s, c in self.proofs)) if self.proofs else set()


def step_cases(u: Unrolling, limit: int = MAX_CASES, *, guards: bool = False) -> list[Any] | None:
    """The cases of ``u``'s last step (module doc), or None when there is one case or more
    than ``limit``; each action's case split by its guard in fixed point, and with
    ``guards`` in exact arithmetic too (``_guarded``)."""
    if not u.steps:
        return None
    sv = u.steps[-1]
    actions: list[Any] = [z3.BoolVal(True)]
    if sv.action_var is not None:
        actions = [sv.action_var == i for i in range(len(u.instances) + 1)]
    firings = []
    for value in sv.outcome.fired.values():
        raw = value.raw
        if z3.is_bool(raw) and not (z3.is_true(raw) or z3.is_false(raw)):
            firings.append(raw)
    guarded = _guarded(sv, actions) if guards or getattr(u.backend, "fixed", False) else actions
    if len(guarded) * 2 ** len(firings) <= limit:
        actions = guarded
    count = len(actions) * 2 ** len(firings)
    if count <= 1 or count > limit:
        return None
    out = []
    for act in actions:
        for signs in itertools.product((True, False), repeat=len(firings)):
            parts = [act, *(f if s else z3.Not(f) for f, s in zip(firings, signs, strict=True))]
            out.append(z3.And(parts))
    return out


def _guarded(sv: Any, actions: list[Any]) -> list[Any]:
    """``actions`` with each user action's case split by whether its guard held (its
    ``requires``: a trade checked against the initial margin), when the guard is not a
    constant; asked in fixed-point arithmetic (in exact arithmetic it was not needed).

    A failed guard leaves the state as it was, so the step's post-state is an
    ``If(guard, new, old)`` of every field the action writes; in fixed point each product
    of those is a nonlinear integer term under the ``If``, and Z3 settled the one-account
    step of the fixed-point corpus spec (a trade, the keeper idle) on some random seeds in
    0.3 s and not on others within 2 s. With the guard decided by the case,
    ``propagate-values`` removes the ``If``s: at most 0.6 s on every seed tried. The two
    cases of an action (guard held, guard failed) partition it.

    In exact arithmetic the final proof's step (``inductive_step``, ``guards``) is split
    so too: the entry-style two-market spec's step (equity ``coll + size * (price -
    entry)`` per market, every field under the trade's ``If``) took 1.49 million Z3 units
    in 5 case queries and 0.67 million in 7 (the corpus's other safe cells 12-45% fewer in
    that step). Houdini's rounds are not split so: their cores came out larger and its
    deletion trials asked 56 queries instead of 4.
    """
    out: list[Any] = []
    for i, act in enumerate(actions):
        enabled = sv.outcome.enabled.get(i) if i else None
        raw = None if enabled is None else enabled.raw
        if raw is None or not z3.is_bool(raw) or z3.is_true(raw) or z3.is_false(raw):
            out.append(act)
        else:
            out.extend((z3.And(act, raw), z3.And(act, z3.Not(raw))))
    return out


def split_check(
    constraints: Sequence[Any],
    cases: Sequence[Any],
    deadline: Deadline,
    *,
    assumptions: Sequence[Any] = (),
    by_lit: dict[str, str] | None = None,
    rlimit: int | None = None,
    cap_ms: int | None = None,
    cpu_cap: float | None = CASE_CPU,
) -> Split:
    """``constraints`` asked once per case (module doc); with ``assumptions`` (named
    literals, ``by_lit`` naming them) each unsat case gives its core.

    A case whose prepared query is an earlier case's (Z3 makes each term once, so the
    same id) is not asked again: Z3 answers the same query the same way, and the earlier
    proof and core stand for it (the entry-style two-market step's named Houdini round
    had three such cases of 306,000 units each, and ``minimize`` re-asked each copy)."""
    proofs: list[tuple[z3.Solver, set[str]]] = []
    prepare = z3.Then(*_PREPARE)
    asked: set[int] = set()  # the prepared queries already proved (their ids)
    for case in cases:
        goal = z3.Goal()
        goal.add(*constraints, case)
        query = prepare(goal).as_expr()
        if query.get_id() in asked:
            continue  # the same query as an earlier case's: the same proof and core
        asked.add(query.get_id())
        solver = z3.Solver()
        solver.add(query)
        status = check(solver, deadline, assumptions, cap_ms=cap_ms, rlimit=rlimit, cpu_cap=cpu_cap)
        if status != z3.unsat:
            return Split(status, case)
        names = by_lit or {}
        core = {names[str(c)] for c in solver.unsat_core() if str(c) in names}
        proofs.append((solver, core))
    return Split(z3.unsat, None, proofs)


# Z3 resource units for the query whether some candidate fails in a case
# (``split_survivors``); past it, each candidate is asked alone in that case (a
# disjunction of many is sometimes harder than its parts: the quote-style fixed-point
# spec's took 3.5-4 million units where each part took under 0.5 million)
ANY_RLIMIT = 1_000_000
# a later query of a case (``split_survivors`` with ``spent``) is capped at the units
# the case's last answered query took times the number of candidates asked (each alone
# costs about that much), at least ``ANY_GROWTH`` times, and ``ANY_FLOOR`` units at
# least: the corpus's entry-style two-market spec's second round (5 candidates), under
# fewer hypotheses, ran two cases to ``ANY_RLIMIT`` (0.21 s of CPU each) where round 1
# answered them in 88,000 and 108,000 units, and each candidate alone then took at most
# 360,000; its quote style's third round (3 candidates) needed 4x, entry style's plain and
# fees second round (10 candidates) 6-10x; tests/check/specs/late_keeper.py's second
# round one query of 200,000-500,000 units after queries of a few thousand (under a
# floor of 200,000 it asked each candidate alone: 88 -> 105 solver calls)
ANY_GROWTH = 4
ANY_FLOOR = 500_000


def split_survivors(
    constraints: Sequence[Any],
    cases: Sequence[Any],
    parts: dict[str, list[Any]],
    deadline: Deadline,
    rlimit: int | None = None,
    cap_ms: int | None = None,
    cpu_cap: float | None = CASE_CPU,
    spent: dict[int, int] | None = None,
) -> set[str] | None:
    """The names of ``parts`` whose every part holds in every case of ``constraints``, or
    None when a query ran out or its model could not be read (the caller then asks each
    candidate as before).

    Houdini's round by models: each case is asked whether some candidate still alive
    fails in it (``ANY_RLIMIT`` units; past them each alive candidate alone, ``rlimit``
    units); a model (of the original constraints, checked by evaluating them) drops every
    candidate it falsifies at once, and the case is asked again until it is unsat. A
    candidate is dropped only by a model that falsifies it and kept only when its failing
    is unsat in every case: the same set as asking each candidate in each case (the cases
    partition the step), in fewer queries.

    ``spent`` (kept by the caller from round to round): each case's units of its last
    answered query of them all; a later query of the case (after a drop in this round,
    or in a later round) is capped at them times the number of candidates asked
    (``ANY_GROWTH`` times and ``ANY_FLOOR`` units at least) before asking each candidate
    alone. The cap changes which queries are asked, not their answers: the survivors
    are the same."""
    alive = dict(parts)

    def ask(names: list[str], case: Any, units: int | None) -> tuple[Any, set[str] | None, int]:
        """(status, the names its model falsifies: None when unreadable, units taken)."""
        asked = {n: alive[n] for n in names}
        status, _, dropped, took = _falsify(
            constraints, case, asked, alive, deadline, (),
            cap_ms=cap_ms, rlimit=units, cpu_cap=cpu_cap,
        )  # fmt: skip
        return status, dropped, took

    for i, case in enumerate(cases):
        while alive:
            units = min(ANY_RLIMIT, rlimit or ANY_RLIMIT)
            if spent is not None and i in spent:
                units = min(units, max(ANY_FLOOR, max(ANY_GROWTH, len(alive)) * spent[i]))
            status, dropped, took = ask(list(alive), case, units)
            if spent is not None and status != z3.unknown:
                spent[i] = took
            if status == z3.unsat:
                break
            if status == z3.sat:
                if not dropped:
                    return None
                alive = {n: ps for n, ps in alive.items() if n not in dropped}
                continue
            for name in list(alive):  # each alone in this case
                if name not in alive:
                    continue  # dropped by an earlier one's model
                status, dropped, _ = ask([name], case, rlimit)
                if status == z3.sat and dropped:
                    alive = {n: ps for n, ps in alive.items() if n not in dropped}
                elif status != z3.unsat:
                    return None
            break
    return set(alive)


def named_survivors(
    constraints: Sequence[Any],
    cases: Sequence[Any],
    posts: dict[str, list[Any]],
    deadline: Deadline,
    *,
    assumptions: Sequence[Any],
    by_lit: dict[str, str],
    known: dict[str, dict[int, frozenset[str]]],
    rlimit: int | None = None,
    cap_ms: int | None = None,
    proofs: Proofs | None = None,
) -> set[str] | None:
    """``split_survivors`` with the hypotheses named (fixed point, ``holds_by_case``): the
    names of ``posts`` whose every part holds in every case, or None when a query ran out
    or its model could not be read (the caller then asks each candidate alone; the cores
    recorded so far stay valid).

    Each case asks whether some candidate still alive and not yet proved there (by a
    ``known`` core naming only hypotheses still assumed) fails; a model drops every
    candidate it falsifies and the case is asked again; an unsat answer's core is each
    asked candidate's core in that case. The survivors are those asking each candidate
    alone would keep (a candidate is dropped only by a model that falsifies it, kept only
    when its failing is unsat in every case).

    A candidate dropped stops being assumed at once: the cases after the drop are asked
    under the hypotheses still alive, so their cores name no dropped candidate and the
    next round need not ask them again. The survivors are the same: a model drops a
    candidate only when it satisfies the hypotheses of every candidate still alive, among
    them those of the largest set of candidates inductive together (none of which is ever
    dropped), so the candidate it falsifies is not in that set; and a proof under fewer
    hypotheses is a proof under more."""
    dropped_here: set[str] = set()
    alive = dict(posts)
    units = min(ANY_RLIMIT, rlimit or ANY_RLIMIT)
    for i, case in enumerate(cases):
        while True:
            assumed = [a for a in assumptions if by_lit[str(a)] not in dropped_here]
            names = {by_lit[str(a)] for a in assumed}
            pending = {
                n: ps
                for n, ps in alive.items()
                if not (known.get(n, {}).get(i, frozenset(("?",))) <= names)
            }
            if not pending:
                break
            status, solver, dropped, _ = _falsify(
                constraints, case, pending, pending, deadline, assumed,
                cap_ms=cap_ms, rlimit=units, cpu_cap=CASE_CPU,
            )  # fmt: skip
            if status == z3.unsat:
                core = frozenset(by_lit[str(c)] for c in solver.unsat_core() if str(c) in by_lit)
                for n in pending:
                    known.setdefault(n, {})[i] = core
                    if proofs is not None:
                        proofs.setdefault(n, {})[i] = (solver, frozenset(pending))
                break
            if not dropped:  # no answer, an unreadable model, or one that drops nothing
                return None
            alive = {n: ps for n, ps in alive.items() if n not in dropped}
            dropped_here |= dropped
    return set(alive)


def _falsify(
    constraints: Sequence[Any],
    case: Any,
    asked: dict[str, list[Any]],
    among: dict[str, list[Any]],
    deadline: Deadline,
    assumptions: Sequence[Any],
    **caps: Any,
) -> tuple[Any, Any, set[str] | None, int]:
    """Whether some part of ``asked`` fails in ``case`` of ``constraints`` (under
    ``assumptions``): (status, the solver, the names of ``among`` its model falsifies; None
    when there is no model or it cannot be read, or is not one of the original constraints,
    checked by evaluating them; the Z3 resource units the check took)."""
    goal = z3.Goal()
    goal.add(*constraints, case, z3.Or([z3.Not(p) for ps in asked.values() for p in ps]))
    sub = z3.Then(*_PREPARE)(goal)
    solver = z3.Solver()
    solver.add(sub.as_expr())
    began = rlimit_count(solver)
    status = check(solver, deadline, assumptions, **caps)
    took = rlimit_count(solver) - began
    if status != z3.sat or len(sub) != 1:
        return status, solver, None, took
    model = sub[0].convert_model(solver.model())
    if not all(_true(model, c) for c in (*constraints, case, *assumptions)):
        return status, solver, None, took
    dropped = {n for n, ps in among.items() if not all(_true(model, p) for p in ps)}
    return status, solver, dropped, took


def _true(model: Any, expr: Any) -> bool:
    return bool(z3.is_true(model.eval(expr, model_completion=True)))


def holds_by_case(
    constraints: Sequence[Any],
    cases: Sequence[Any],
    obligations: dict[str, list[Any]],
    deadline: Deadline,
    *,
    assumptions: Sequence[Any],
    by_lit: dict[str, str],
    known: dict[str, dict[int, frozenset[str]]],
    rlimit: int | None = None,
    cap_ms: int | None = None,
    proofs: Proofs | None = None,
) -> Any:
    """Whether every obligation (name -> parts) holds in every case of ``constraints``:
    z3.unsat (they hold), z3.sat or z3.unknown (a case that did not answer), asked case by
    case, with the named ``assumptions`` (``by_lit`` names them), of the obligations not
    yet proved in that case.

    ``known[name]`` maps a case's index to the core of an earlier proof of that obligation
    in that case (in Houdini, under a superset of the hypotheses): a core whose names are
    all still assumed is a proof now too (every constraint it used is still there), so the
    obligation is not asked again in that case. A case asks the disjunction of the rest's
    negations; its core, when unsat, is a core of each of them and is recorded for each
    (with ``proofs``, so is the case's solver and the names it asked, ``step_reuse``)."""
    names = {by_lit[str(a)] for a in assumptions}
    for i, case in enumerate(cases):
        pending = {}
        for name, parts in obligations.items():
            core = known.get(name, {}).get(i)
            if core is None or not core <= names:
                pending[name] = parts
        if not pending:
            continue
        negated = z3.Or([z3.Not(p) for parts in pending.values() for p in parts])
        split = split_check(
            [*constraints, negated],
            [case],
            deadline,
            assumptions=assumptions,
            by_lit=by_lit,
            rlimit=rlimit,
            cap_ms=cap_ms,
        )
        if split.status != z3.unsat:
            return split.status
        for name in pending:
            known.setdefault(name, {})[i] = frozenset(split.core())
            if proofs is not None:
                proofs.setdefault(name, {})[i] = (split.proofs[0][0], frozenset(pending))
    return z3.unsat
