"""The bmc portfolio's first attempt: one capped search in this process, before the race.

Most bmc questions of a small spec are answered by the incremental search in a fraction
of a second, less than starting the portfolio's member processes costs (each one competes
for the cores with the others, the falsifier alone takes up to a second of CPU). So the
portfolio first runs one member here, each of its solver checks capped by
``FIRST_RLIMIT`` units of Z3's resource counter (a counter, not a clock: the attempt
answers, or gives up, the same way on a busy and an idle machine):

- up to ``FULL_CANONICAL_ACCOUNTS`` accounts (or accounts that do not all start alike):
  the ``incremental`` member, whose counterexample is the canonical one (the report is
  the one the race would give, whoever won it);
- with more accounts: the ``few`` member on one active account, lifted and replayed (the
  portfolio then shortens it and derives it canonically, as after a race; so its path is
  not simplified here).

Only when the attempt is inconclusive do the member processes start. Deep questions
(from ``INDUCTION_FIRST_DEPTH`` on, where 1-induction runs first) and member lists
without the attempt's member go straight to the race.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from solvent.check.members import Answer, few_accounts, unroll
from solvent.check.results import UNKNOWN
from solvent.check.solving import Deadline
from solvent.spec.spec import PredicateDecl, Spec

# resource units per check of the first attempt: the corpus's depth-3 questions on 1-3
# accounts use 0.05-2.9 million (benchmarks/results/engine.md, round 6)
FIRST_RLIMIT = 1_500_000


def first_attempt(
    spec: Spec,
    decls: list[PredicateDecl],
    depth: int,
    deadline: Deadline,
    simplify: bool,
    *,
    full: bool,
    members: Sequence[str],
) -> Answer | None:
    """The capped attempt's answer (UNKNOWN when it gave up), None when it does not apply."""
    name = "incremental" if full else "few"
    if name not in members:
        return None
    began = time.perf_counter()
    if full:
        answer = unroll(spec, decls, depth, deadline, simplify, rlimit=FIRST_RLIMIT)
    else:
        # its path is derived again canonically (``canonical.canonical``): not simplified here
        answer = few_accounts(spec, decls, depth, deadline, False, active=1, rlimit=FIRST_RLIMIT)
    answer.seconds = time.perf_counter() - began
    answer.extra["in_process"] = True
    if answer.verdict == UNKNOWN:
        answer.note = f"first attempt, capped at {FIRST_RLIMIT:,} units a check: {answer.note}"
    return answer
