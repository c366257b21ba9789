"""The final proof's inductive step taken from Houdini's last proofs (fixed point).

After Houdini (``infer.houdini``) settles on the lemmas it keeps, ``infer.strengthen``
proves the spec with them (``induction.prove``): a base case, then the step at k = 1,
which asks, case by case (``cases``), whether the properties and the kept lemmas hold after
one step from a state where they held, and minimizes the assumptions its proofs used (the
report's ``assumptions_used`` and its attribution sentence). In fixed-point arithmetic
Houdini has already asked those very obligations, case by case, in its named round and its
deletion trials (``houdini_round``): the corpus's fixed-point cells spent 0.5 s of CPU
asking them again.

Here Houdini's fixed-point named round and deletion trials name the spec's own
assumptions (``envelope.move.hi``, ``keeper.liquidate.every_step``) and the properties on
the pre-state (``hyp.fund_ok``) as the final step names them, so each case's unsat core
says which the proof used; each case's solver is kept beside its core (``cases.Proofs``).
(Its rounds are asked as before: named there too, one of the quote style's round queries
ran to its cap and the round fell back to one query per candidate.) ``from_houdini`` then
gives the final step (``StepProof``): in each case of the step, a final obligation (each
property and each kept lemma after the step) is covered by a kept proof whose core names
only the kept lemmas and those assumptions and whose query asked final obligations only (a
query that also asked a candidate dropped later holds a larger disjunction: its sat answers
without an assumption say nothing of the final obligations); the obligations a case lacks
are asked there as the final step asks them (their cone of influence, every assumption
named), and when that is not unsat it gives None and the final proof asks its step as
before. The union of the cores is minimized as the final step's are
(``minimize_query.shrink``), each query re-asked of its own solver without one assumption; a kept
lemma whose deletion trial of exactly the other kept lemmas had a model is kept without
asking (``_needed``). ``inductive_step`` uses a ``StepProof`` only for the obligations it
was made for: the same properties and lemmas, k = 1, the same number of cases, every name
in its core one of the step's assumptions. The corpus's entry-style fixed-point cell at 100
accounts: 17 checks and 0.75 million Z3 units of the final step and its minimization
became 6 checks and 0.40 million (benchmarks/results/engine.md, round 23).

A proof here is a proof of the final step: the same obligations in the same cases (which
partition the step) from the same step constraints (all of them, where the final step
asks the cone of influence of the obligations, a subset), under at most the assumptions
the final step names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import z3

from solvent.check.cases import split_check
from solvent.check.encode import Unrolling
from solvent.check.houdini_round import RLIMIT, SAFETY_MS
from solvent.check.minimize_query import shrink
from solvent.check.solving import Deadline


@dataclass(frozen=True, slots=True)
class StepProof:
    """The inductive step at k = 1 of the properties and ``lemmas`` together, proved by
    Houdini's queries: the assumptions used (the final step's names) and whether that set
    was minimized."""

    properties: tuple[str, ...]
    lemmas: tuple[str, ...]
    cases: int
    core: frozenset[str]
    minimized: bool

    def fits(self, names: Iterable[str], k: int, cases: int, literals: Iterable[str]) -> bool:
        """Whether this proves the step of ``names`` (properties and lemmas) at ``k``,
        split into ``cases`` cases, whose named assumptions are ``literals``."""
        return (
            k == 1
            and cases == self.cases
            and set(names) == {*self.properties, *self.lemmas}
            and self.core <= set(literals)
        )


def from_houdini(
    obligations: dict[str, list[Any]],
    lemmas: dict[str, list[Any]],
    u: Unrolling,
    cases: list[Any],
    known: dict[str, dict[int, frozenset[str]]],
    named: dict[str, Any],
    deadline: Deadline,
    minimize: bool = True,
) -> StepProof | None:
    """The final step from Houdini's proofs (module doc), or None.

    ``obligations``: the final obligations (each property and each kept lemma after the
    step, by name; the properties first), ``lemmas``: each kept lemma on the pre-state;
    ``u``: Houdini's unrolling of the step; ``known``: its cores; ``named``: its named
    queries' ``always`` (the assumptions they named), ``proofs`` and ``refuted``
    (``houdini_round.Round``). A case where some final obligation has no proof of final
    obligations only under the kept lemmas is asked here, for those obligations, as the
    final step asks it (``inductive_step._together``: the cone of influence of the
    obligations, the kept lemmas and the properties named); None when that is not unsat."""
    proofs = named["proofs"]
    final, names = set(obligations), list(lemmas)
    allowed = {*lemmas, *named["always"]}
    for name, parts in lemmas.items():  # as the final step assumes them
        for c in parts:
            u.assume(f"hyp.{name}", c)
    memo: dict[int, frozenset[str]] = {}
    pieces: dict[int, tuple[z3.Solver, frozenset[str]]] = {}
    asked: dict[int, tuple[z3.Solver, frozenset[str]]] = {}
    for i, case in enumerate(cases):
        missing = []
        for name in obligations:
            had = known.get(name, {}).get(i)
            piece = proofs.get(name, {}).get(i)
            if had is None or piece is None or not had <= allowed or not piece[1] <= final:
                missing.append(name)
            else:
                pieces[id(piece[0])] = (piece[0], frozenset(_final_name(n, names) for n in had))
        if missing:
            some = z3.Or([z3.Not(p) for n in missing for p in obligations[n]])
            by_lit = {str(lit): name for name, lit in u.literals.items()}
            split = split_check(
                [*u.sliced(some, memo), some], [case], deadline,
                assumptions=u.assumption_literals(), by_lit=by_lit, rlimit=RLIMIT, cap_ms=SAFETY_MS,
            )  # fmt: skip
            if split.status != z3.unsat:
                return None
            solver, core = split.proofs[0]
            asked[id(solver)] = (solver, frozenset(core))  # the final step's names
    # the queries asked here first: on the cone of influence, the minimization's
    # queries answer sooner there (the order does not change its answers)
    proved = [*asked.values(), *(p for key, p in pieces.items() if key not in asked)]
    used = set().union(*(core for _s, core in proved)) if proved else set()
    needed = _needed(named, names)
    minimized = minimize and shrink(proved, used, deadline, fixed=True, needed=needed)
    properties = tuple(n for n in obligations if n not in lemmas)
    return StepProof(properties, tuple(names), len(cases), frozenset(used), minimized)


def _final_name(name: str, lemmas: list[str]) -> str:
    """A core's name as the final step names it (a kept candidate is a lemma there)."""
    return f"hyp.{name}" if name in lemmas else name


def _needed(named: dict[str, Any], lemmas: list[str]) -> set[str]:
    """The kept lemmas (as ``hyp.NAME``) the final step's minimization would keep: a
    deletion trial of exactly the others had a case's model (``Round.refuted``). That
    model satisfies every assumption but the lemma and breaks a final obligation in its
    case, whose proof therefore names the lemma; asked without it, that case's query is
    satisfiable (or runs out): the lemma is kept."""
    kept = set(lemmas)
    return {f"hyp.{c}" for c in kept for r in named["refuted"] if r == kept - {c}}
