"""Houdini's step queries (``infer.houdini``): a round's obligations asked under one set of
hypotheses, the deletion trials, the whole query behind them.

In exact arithmetic a query is asked first of one incremental solver holding the step and
the round's hypotheses (``QUICK_RLIMIT`` units), then once per case of the step
(``cases``), then whole under ``RLIMIT``; a round asks each case whether some candidate
fails and drops every candidate its model falsifies (``cases.split_survivors``). In
fixed-point arithmetic every query goes to the cases at once, with the hypotheses named:
each case's unsat core (the hypotheses its proof used) is kept for the whole inference
(``known``), and a later query under fewer hypotheses asks a case again only for the
obligations whose core there names a hypothesis since dropped (``cases.holds_by_case``;
the rounds of the corpus's quote-style fixed-point spec re-proved every survivor in every
case after each drop). A fixed-point round also goes by the cases' models, the
hypotheses named (``cases.named_survivors``): each case asks whether some candidate not
yet proved there fails, its core recorded for each it asked (quote style: the 83 case
queries of the rounds, the named round and the trials became 31, their CPU 4.96 -> 4.32 s
at load 6); a candidate a model drops is no longer assumed in the cases asked after it,
in the same round (quote style: the rounds' case queries 23 -> 13). Each answer is the one the same query would give asked again, so the
candidates that survive are those asking every query would keep.
"""

from __future__ import annotations

import time
from typing import Any

import z3

from solvent.check.cases import (
    Proofs,
    holds_by_case,
    named_survivors,
    split_check,
    split_survivors,
)
from solvent.check.solving import Deadline, check

# Z3 resource units per candidate query (deterministic); the two-market spec's keeper
# guard needs 4.6 million (2 million dropped it, and the proof with it)
RLIMIT = 10_000_000
SAFETY_MS = 20_000  # the wall-clock safety net behind it
# a query is first asked whole under this many units (most answer within it), then split
# by the cases of the step's choices (``cases``), then whole under ``RLIMIT``
QUICK_RLIMIT = 60_000
QUICK_CPU = 1.0  # its CPU safety net (seconds): stopped by it, the query goes on as above


class ClockStopped(Exception):
    """A query was stopped by the wall clock, not by its resource limit: infer nothing."""


def decide(solver: z3.Solver, deadline: Deadline) -> Any:
    """``check`` capped by ``RLIMIT``; raises ClockStopped when a clock stopped it."""
    began = time.perf_counter()
    status = check(solver, deadline, cap_ms=SAFETY_MS, rlimit=RLIMIT)
    took_ms = (time.perf_counter() - began) * 1000
    if status == z3.unknown and (deadline.expired() or took_ms >= SAFETY_MS * 0.9):
        raise ClockStopped()
    return status


def inductive(
    base: list[Any],
    goals: dict[str, list[Any]],
    pre: dict[str, list[Any]],
    post: dict[str, list[Any]],
    trial: list[str],
    deadline: Deadline,
    cases: Any,
    quick: bool = True,
    known: dict[str, dict[int, frozenset[str]]] | None = None,
    always: dict[str, Any] | None = None,
    proofs: Proofs | None = None,
    refuted: list[frozenset[str]] | None = None,
) -> bool:
    """Whether the properties (``goals``) and the candidates named ``trial`` are
    1-inductive together (``always``, ``proofs``, ``refuted``: ``Round``'s)."""
    hyps = {name: pre[name] for name in trial}
    named: dict[str, Any] = {"always": always, "proofs": proofs, "refuted": refuted}
    asked = Round(base, hyps, deadline, cases, quick=quick, known=known, **named)
    obligations = {**goals, **{name: post[name] for name in trial}}
    if not quick and asked.known is None:  # one query for them all (a query costs its cases)
        return asked.holds([p for parts in obligations.values() for p in parts])[0]
    if asked.known is not None:
        return asked.holds_all(obligations)[0]
    return all(asked.holds(parts)[0] for parts in obligations.values())


class Round:
    """The step queries of one round (one set of named hypotheses): each asked first of
    one incremental solver holding the step and the hypotheses (one internalization for
    the round; ``QUICK_RLIMIT`` units a query), then, when that runs out, by ``holds_whole``.
    Each hypothesis is guarded by a literal, so an answer names the hypotheses its proof
    used (its unsat core; all of them when the whole query answered).

    ``always`` (fixed point, with ``known``): name -> literal of assumptions ``base``
    guards and every query assumes (the spec's own, ``envelope.move.hi``, and the
    properties on the pre-state, ``hyp.fund_ok``), so the cores name them too; ``proofs``
    keeps each case's solver beside its core (``step_reuse``: the final proof reuses
    them), and ``refuted`` the hypotheses of each ``holds_all`` a case's model refuted."""

    def __init__(
        self,
        base: list[Any],
        hyps: dict[str, list[Any]],
        deadline: Deadline,
        cases: Any,
        named: bool = False,
        *,
        quick: bool = True,
        known: dict[str, dict[int, frozenset[str]]] | None = None,
        spent: dict[int, int] | None = None,
        always: dict[str, Any] | None = None,
        proofs: Proofs | None = None,
        refuted: list[frozenset[str]] | None = None,
    ) -> None:
        self.base, self.deadline, self.cases, self.quick = base, deadline, cases, quick
        self.known = known if cases else None  # (``_by_case``; named hypotheses then)
        self.spent = spent  # exact arithmetic: ``split_survivors``'s units, round to round
        named = named or self.known is not None
        # unnamed, the hypotheses are asserted (faster: no cores, every one counts as used)
        # with ``always``, a hypothesis's literal is the final step's (``step_reuse``)
        lit = "assume:hyp.{}" if always else "houdini:{}"
        self.lits = {name: z3.Bool(lit.format(name)) for name in hyps} if named else {}
        self.by_lit = {str(lit): name for name, lit in self.lits.items()}
        self.always = list((always or {}).values())
        self.by_lit.update({str(lit): n for n, lit in (always or {}).items()})
        self.proofs, self.refuted = proofs, refuted
        self.names = set(hyps)
        self.guarded = [
            z3.Implies(self.lits[n], c) if named else c for n, h in hyps.items() for c in h
        ]
        self.hyps = list(hyps.values())
        self.solver = z3.Solver()
        self.solver.add(*base, *self.guarded)

    def holds(self, parts: list[Any]) -> tuple[bool, set[str]]:
        """(whether ``parts`` hold after the step, the hypotheses the proof used)."""
        lits = [*self.always, *self.lits.values()]
        if not self.quick:  # straight to the cases (``houdini``: fixed point)
            return self._split(parts, lits)
        self.solver.push()
        self.solver.add(z3.Or([z3.Not(p) for p in parts]))
        quick = check(self.solver, self.deadline, lits, rlimit=QUICK_RLIMIT, cpu_cap=QUICK_CPU)
        core = None
        if quick == z3.unsat:
            core = {self.by_lit[str(c)] for c in self.solver.unsat_core()} if lits else self.names
        self.solver.pop()
        if quick == z3.sat:
            return False, set()
        if core is not None:
            return True, core
        return self._split(parts, lits)

    def survivors(self, posts: dict[str, list[Any]]) -> set[str]:
        """The names of ``posts`` that hold after the step (the module doc says how)."""
        got = None
        if self.cases and self.quick:
            every = [*self.base, *self.guarded]
            got = split_survivors(
                every, self.cases, posts, self.deadline, RLIMIT, SAFETY_MS, spent=self.spent
            )
        elif self.known is not None:  # fixed point: by models too, the hypotheses named
            lits, every = [*self.always, *self.lits.values()], [*self.base, *self.guarded]
            got = named_survivors(
                every, self.cases, posts, self.deadline, assumptions=lits, by_lit=self.by_lit,
                known=self.known, rlimit=RLIMIT, cap_ms=SAFETY_MS, proofs=self.proofs,
            )  # fmt: skip
        if got is not None:
            return got
        if self.known is None and not self.quick:  # (always empty: no known)
            if self.holds([p for ps in posts.values() for p in ps])[0]:
                return set(posts)
        return {name for name, parts in posts.items() if self.holds_named(name, parts)[0]}

    def holds_named(self, name: str, parts: list[Any]) -> tuple[bool, set[str]]:
        """``holds`` of the obligation ``name`` (``holds_all``)."""
        return self.holds_all({name: parts}) if self.known is not None else self.holds(parts)

    def holds_all(self, obligations: dict[str, list[Any]]) -> tuple[bool, set[str]]:
        """Whether all ``obligations`` hold after the step, and the hypotheses used: with
        ``known`` (fixed point), case by case, a case where an earlier query proved an
        obligation with hypotheses all still assumed not asked again (``holds_by_case``)."""
        assert self.known is not None
        lits, every = [*self.always, *self.lits.values()], [*self.base, *self.guarded]
        status = holds_by_case(
            every, self.cases, obligations, self.deadline, assumptions=lits, by_lit=self.by_lit,
            known=self.known, rlimit=RLIMIT, cap_ms=SAFETY_MS, proofs=self.proofs,
        )  # fmt: skip
        if status == z3.sat and self.refuted is not None:
            self.refuted.append(frozenset(self.names))
        if status == z3.unknown:  # as ``_split``: then the whole query
            parts = [p for ps in obligations.values() for p in ps]
            base = [*self.base, *self.always]
            return holds_whole(base, self.hyps, parts, self.deadline), self.names
        used = [c for n in obligations for c in self.known.get(n, {}).values()]
        return status == z3.unsat, set().union(*used)

    def _split(self, parts: list[Any], lits: list[Any]) -> tuple[bool, set[str]]:
        """The query asked once per case of the step, then whole under ``RLIMIT``."""
        negated = z3.Or([z3.Not(p) for p in parts])
        if self.cases:
            split = split_check(
                [*self.base, *self.guarded, negated],
                self.cases,
                self.deadline,
                assumptions=lits,
                by_lit=self.by_lit,
                rlimit=RLIMIT,
                cap_ms=SAFETY_MS,
            )
            if split.status != z3.unknown:
                return split.status == z3.unsat, split.core() if lits else self.names
        return holds_whole([*self.base, *self.always], self.hyps, parts, self.deadline), self.names


def holds_whole(
    base: list[Any], hyps: list[list[Any]], parts: list[Any], deadline: Deadline
) -> bool:
    """Whether ``parts`` hold after the step from a state where ``hyps`` hold."""
    solver = z3.Solver()
    solver.add(*base)
    for h in hyps:
        solver.add(*h)
    solver.add(z3.Or([z3.Not(p) for p in parts]))
    return bool(decide(solver, deadline) == z3.unsat)
