"""The verdicts both bounded searches give: ``bmc``'s incremental one and the portfolio's.

A found violation is replayed exactly before it is reported (:func:`confirmed`); a model
that needs irrational values is UNKNOWN (:func:`irrational`); :func:`inductive` lets a
search stop early once the properties are proved 1-inductive.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import z3

from solvent.check import progress
from solvent.check.encode import Unrolling
from solvent.check.results import FAIL, UNKNOWN, CheckResult, RanOut
from solvent.check.solving import (
    Deadline,
    check,
    confirm,
    in_fresh_context,
    without_disabled_actions,
)
from solvent.engine.trace import Trace
from solvent.spec.spec import PredicateDecl, Spec


def irrational(k: int, depth: int, what: str, failed: Sequence[str], result: object) -> CheckResult:
    return result(  # type: ignore[operator]
        UNKNOWN,
        f"depth {k}/{depth}",
        f"the solver reports a violation of {', '.join(failed)} at depth {k} that "
        f"needs irrational values ({what}); traces hold exact rationals, so it "
        "cannot be replayed and is not reported as a counterexample",
        depth=k,
        details={"reason": "irrational model"},
    )


def confirmed(
    spec: Spec,
    trace: Trace,
    k: int,
    failed: Sequence[str],
    depth: int,
    result: object,
    note: str = "",
) -> CheckResult:
    trace = without_disabled_actions(spec, trace)
    replayed = confirm(spec, trace, k, failed)
    hit = next(f for f in replayed.failures if f.step == k and f.name in failed)
    trace = Trace(
        trace.spec,
        trace.accounts,
        trace.init,
        trace.steps,
        trace.params,
        {"found_by": "bmc", "violation": {"step": k, "invariant": hit.label()}},
    )
    return result(
        FAIL,
        f"depth {k}/{depth}",  # type: ignore[operator]
        "counterexample confirmed by concrete replay" + note,
        invariant=hit.label(),
        counterexample=trace,
        depth=k,
        details={"replay": replayed},
    )


# Z3 resource units per check of the quick 1-induction: a counter, not a clock, so whether
# a spec is shown 1-inductive (and a PASS worded so) is the same on a busy and an idle
# machine; the corpus's proofs use at most 0.7 million a check (benchmarks/results/engine.md).
# Behind it a safety net in seconds of this process's CPU time, for the checks whose
# nonlinear steps hardly advance the counter (one ran for minutes under its 2 million)
INDUCTION_RLIMIT, INDUCTION_CPU_SECONDS = 2_000_000, 2.0


@in_fresh_context
def inductive(
    spec: Spec,
    decls: list[PredicateDecl],
    deadline: Deadline,
    rlimit: int = INDUCTION_RLIMIT,
    *,
    by_cases: bool = False,
) -> bool:
    """True when the properties plus the lemmas hold initially and are 1-inductive.

    ``by_cases``: the step asked once per case of its choices, each a fresh solver
    (``inductive_step``'s ``nonincremental``; zero-sum funding's step on 10 accounts,
    whose one query ran out of its units).

    Only a definite proof counts; a CTI, an unknown answer or a check that reaches its
    ``rlimit`` returns False and the bounded search goes on as usual. No clock decides the
    answer: only ``deadline`` (the whole check's budget) stops it early.
    """
    from solvent.check.inductive_step import inductive_step

    names = {d.name for d in decls}
    props = decls + [d for d in spec.lemmas if d.name not in names]
    solver = z3.Solver()
    u = Unrolling(spec, solver)
    solver.add(*u.assumption_literals())
    solver.add(z3.Or([z3.Not(p) for _, _, p in u.properties(0, props)]))
    net = INDUCTION_CPU_SECONDS
    if check(solver, deadline, rlimit=rlimit, cpu_cap=net) != z3.unsat:
        return False
    step = inductive_step(
        spec, props, 1, deadline, rlimit=rlimit, cpu_cap=net, minimize=False,
        nonincremental=by_cases,
    )  # fmt: skip
    return step["status"] == "proved"


def lemma_words(lemmas: Sequence[str]) -> str:
    """How a PASS names the inferred lemmas it rests on (``bmc_lemmas``)."""
    return f" with {len(lemmas)} inferred lemma(s) proved with them ({'; '.join(lemmas)})"


def ran_out(reason: str, timeout: float | None, elapsed: float = 0.0) -> RanOut | None:
    """The timeout of a solver that stopped for ``reason`` after ``elapsed`` seconds of the
    ``timeout`` it was given, in the phase running now; None when it gave up otherwise."""
    if reason in ("timeout", "canceled") and timeout is not None:
        return RanOut(timeout, progress.phase(), elapsed)
    return None


def unknown_message(reason: str, stopped: RanOut | None) -> str:
    """What an UNKNOWN says of its solver: the timeout ``stopped`` (:func:`ran_out`)."""
    return stopped.words if stopped is not None else f"solver gave up: {reason}"


def budget_words(budget: float, user: bool) -> str:
    """The check's budget as a message names it: ``the 120s budget (--timeout)``."""
    return f"the {budget:g}s budget ({'--timeout' if user else 'the default; --timeout sets it'})"


def own_timeout(result: CheckResult, budget: float, note: str = "", count: int = -1) -> None:
    """``result``, of a check given a share of ``budget``, says its timeout (if it ran out)
    as one of the whole ``budget``, followed by ``note``."""
    if result.ran_out is None:
        return
    ours = dataclasses.replace(result.ran_out, given=budget)
    result.message = result.message.replace(result.ran_out.words, ours.words + note, count)
    result.ran_out = ours


def budget_named(result: CheckResult, budget: float, user: bool) -> None:
    """``result``'s timeout (if it ran out) said once, in the words of the user's budget
    (``user``: given with --timeout), the phase that ran out and the share the check that
    ran out had: "solver timeout after 116.654s" said only the last share, not the
    ``--timeout 120`` the user gave (``tests/check/test_budget_named.py``)."""
    if result.ran_out is not None:
        said = result.ran_out.named(budget_words(budget, user), budget)
        result.message = result.message.replace(result.ran_out.words, said)


def accounts(n: int) -> str:
    return "1 account" if n == 1 else f"{n} accounts"


def steps(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"
