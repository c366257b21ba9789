"""The bmc portfolio: several strategies race on the same question, on every core.

Members (in ``members``, each answers "is there a path of at most ``depth`` steps that
breaks a property?"): ``incremental`` (the unrolling of ``bmc.bmc``), ``deepest`` (a ladder
of "fails within K steps" queries, then shortened), ``fresh`` (a non-incremental solver
per depth) and ``falsify`` (concrete random and envelope-corner paths).

With ``jobs >= 2`` the members run in forked processes (each with its own Z3 context), one
member per process in the order of ``MEMBERS`` and the rest together in the last one;
the first conclusive answer wins and the others are terminated. With ``jobs == 1`` the
members run one after the other in this process, each with a share of the budget. The output does not depend on which member won: a FAIL is shortened (when its depth is
not known to be shortest; up to 3 accounts, by the incremental search itself when the
capped shortening cannot tell) and derived by the canonical unrolling, simplified and
replayed on the concrete judge. ``details["portfolio"]`` records who answered and when.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, cast

from solvent.check import progress, solving
from solvent.check.canonical import canonical, from_trace
from solvent.check.first_attempt import child_main, first_attempt, in_child
from solvent.check.found_path import report_found
from solvent.check.members import (
    _MEMBER_FNS,
    Answer,
    incremental_path,
    run_member,
    shorten,
)
from solvent.check.opening import after_attempt, opening, prefix
from solvent.check.results import FAIL, PASS, UNKNOWN, CheckResult
from solvent.check.solving import (
    Deadline,
    Interrupted,
    interruptible,
    result_maker,
    searched_properties,
)
from solvent.check.symmetry import FULL_CANONICAL_ACCOUNTS, smaller
from solvent.check.verdicts import accounts as _accounts
from solvent.check.verdicts import confirmed as _confirmed
from solvent.check.verdicts import lemma_words, ran_out
from solvent.check.verdicts import steps as _steps
from solvent.config import default_jobs
from solvent.engine.step import require_spec_sane
from solvent.errors import InternalError, UsageError
from solvent.spec.spec import PredicateDecl, Spec

# one worker each, in this order, the rest share the last worker
MEMBERS = ("incremental", "few", "induction", "deepest", "fresh", "falsify")
SOLVER_ORDER = ("few", "incremental", "induction", "deepest", "fresh")  # turns in one worker
FALSIFY_SECONDS = 1.0  # the falsifier's budget in one worker, at most
ROUND_SECONDS = 5.0  # first round's budget per solver member sharing a worker
# resource units (Z3's counter: the same answer on a busy and an idle machine) per query
# of the shortening after a member whose depth is not known to be shortest
SHORTEN_RLIMIT = 10_000_000
# after a FAIL whose counterexample must be derived again, wait this share of the time
# taken so far (at least GRACE_SECONDS) for the incremental member's own, canonical one
GRACE_SECONDS = 1.0
# seconds of CPU (not wall: the same report on a busy and an idle machine) the shortening
# and canonical derivation of a FAIL may take before the path is shown as it is, "a shorter
# one was not ruled out" (the Drift-style spec at MMR=0.04 on 3 accounts spent its whole
# budget ruling out depths 1-2 after its depth-3 path was found in 3 s)
DERIVE_SECONDS = 20.0
# from this depth on, 1-induction runs first: a proof answers every depth at once where
# the unrollings of a safe spec stall. It is capped by Z3's resource counter
# (``verdicts.INDUCTION_RLIMIT``), never by the clock: its answer words a PASS ("1-inductive")
# and must be the same on a busy and an idle machine, so it runs once, whatever its share
INDUCTION_FIRST_DEPTH = 10


def _sequence(
    names: Sequence[str],
    spec: Spec,
    decls: list[PredicateDecl],
    depth: int,
    deadline: Deadline,
    send: object,
    simplify: bool = True,
) -> list[Answer]:
    """Run ``names`` in one process, in a fixed order, under what is left of ``deadline``.

    1-induction (at depth >= ``INDUCTION_FIRST_DEPTH``), the ``few`` member's first round
    and the falsifier (at most ``FALSIFY_SECONDS``) run first. One solver member then gets
    the rest; several take turns in rounds of growing budgets (``ROUND_SECONDS``, then
    four times more each round), so one that stalls cannot starve the others; the
    falsifier takes a turn after each round (four times longer, other paths each turn).
    The 1-induction member is never given a share of the clock: capped by the resource
    counter, it runs once, to its own answer.
    """
    answers: list[Answer] = []
    gave_up: set[str] = set()  # gave up well within their budget: more time will not help

    def run(name: str, cap: float | None, turn: int = 0) -> bool:
        if name == "induction":  # capped by the resource counter, not by a share of time
            cap = None
            gave_up.add(name)  # and its answer is the same when run again
        left = (
            None if deadline.seconds is None else max(0.05, deadline.seconds - deadline.elapsed())
        )
        share = left if cap is None else (cap if left is None else min(cap, left))
        if callable(send):
            send(("start", name))
        else:
            progress.note(members=[name])
        answer = run_member(name, spec, decls, depth, share, simplify, turn)
        answers.append(answer)
        if callable(send):
            send(answer)
        if answer.verdict == UNKNOWN and (share is None or answer.seconds < share / 2):
            gave_up.add(name)
        return answer.verdict != UNKNOWN or answer.note == "interrupted" or deadline.expired()

    deep = "induction" in names and depth >= INDUCTION_FIRST_DEPTH
    if deep and run("induction", None):
        return answers
    if "few" in names and "falsify" in names and run("few", ROUND_SECONDS):
        return answers  # few accounts first: cheap where it applies, and often enough
    if "falsify" in names and run("falsify", FALSIFY_SECONDS):
        return answers
    ran = {a.member for a in answers}
    solvers = sorted(
        (n for n in names if n != "falsify" and not (n == "induction" and n in ran)),
        key=SOLVER_ORDER.index,
    )
    if len(solvers) == 1:
        run(solvers[0], None)
        return answers
    budget, turn = ROUND_SECONDS, 0
    while solvers:
        for name in solvers:
            if run(name, budget):
                return answers
        solvers = [n for n in solvers if n not in gave_up]
        turn += 1  # then the falsifier, on other paths (a bug the solvers stall on)
        if "falsify" in names and run("falsify", FALSIFY_SECONDS * 4**turn, turn):
            return answers
        budget *= 4
    return answers


def _worker(
    conn: Connection,
    names: Sequence[str],
    spec: Spec,
    decls: list[PredicateDecl],
    depth: int,
    seconds: float | None,
    simplify: bool,
) -> None:  # pragma: no cover - child process

    def members() -> None:  # their answers go out as they come, then None: the end
        _sequence(names, spec, decls, depth, Deadline(seconds), conn.send, simplify)

    child_main(conn, members, "portfolio member")


def race(
    spec: Spec,
    decls: list[PredicateDecl],
    depth: int,
    jobs: int,
    deadline: Deadline,
    members: Sequence[str] = MEMBERS,
    simplify: bool = True,
    full_canonical: bool = True,
) -> tuple[Answer | None, list[Answer]]:
    """Run the members; return the first conclusive answer (or None) and every answer.

    After a FAIL that would have to be derived again, the race goes on for a grace time
    (the time so far, at least ``GRACE_SECONDS``) while the ``incremental`` member, in a
    process of its own, may still deliver the canonical counterexample itself
    (``full_canonical``: the canonical derivation is the full spec's).
    """
    groups = [[m] for m in members[: jobs - 1]] + [list(members[jobs - 1 :])]
    groups = [g for g in groups if g]
    if len(groups) == 1 or "fork" not in multiprocessing.get_all_start_methods():
        done = _sequence(members, spec, decls, depth, deadline, None, simplify)
        if done and done[-1].note == "interrupted":
            raise Interrupted()
        return next((a for a in done if a.verdict != UNKNOWN), None), done
    ctx = multiprocessing.get_context("fork")
    procs: list[BaseProcess] = []
    conns: list[Connection] = []
    left = None if deadline.seconds is None else max(0.05, deadline.seconds - deadline.elapsed())
    answers: list[Answer] = []
    winner: Answer | None = None
    try:
        for group in groups:
            r, w = ctx.Pipe(duplex=False)
            p = ctx.Process(
                target=_worker, args=(w, group, spec, decls, depth, left, simplify), daemon=True
            )
            p.start()
            w.close()
            procs.append(p)
            conns.append(r)
        pending = list(conns)
        running: dict[object, str] = {}
        began = deadline.elapsed()
        grace: float | None = None  # waiting for the incremental member until then
        while pending and not deadline.expired():
            if winner is not None and not (
                grace is not None
                and deadline.elapsed() <= grace
                and "incremental" in running.values()
            ):
                if winner.verdict != PASS or "induction" not in running.values():
                    break  # a PASS waits for the 1-induction member: it words the verdict
            if solving._interrupted:
                raise Interrupted()
            ms = deadline.remaining_ms()
            ready = wait(pending, timeout=0.25 if ms is None else min(0.25, ms / 1000))
            for c in cast("list[Connection]", ready):  # waited on Connections only
                try:
                    msg: object = c.recv()
                except EOFError:
                    msg = None
                if msg is None:
                    pending.remove(c)
                    running.pop(c, None)
                    continue
                if isinstance(msg, BaseException):
                    raise msg
                if isinstance(msg, tuple):  # ("start", member)
                    running[c] = msg[1]
                    progress.note(members=sorted(running.values()))
                    continue
                if not isinstance(msg, Answer):  # pragma: no cover - a worker's own bug
                    raise InternalError(f"portfolio member sent {msg!r}")
                running.pop(c, None)
                answers.append(msg)
                if grace is not None and msg.member == "incremental":
                    if _is_canonical(msg, full_canonical):
                        winner = msg
                    grace = None
                elif msg.verdict != UNKNOWN and winner is None:
                    winner = msg
                    if (
                        msg.verdict == FAIL
                        and full_canonical
                        and groups[0] == ["incremental"]
                        and "incremental" in running.values()
                    ):
                        now = deadline.elapsed()
                        grace = now + max(GRACE_SECONDS, now - began)
        for name in sorted(running.values()):  # stopped before they answered
            took = deadline.elapsed() - began
            answers.append(Answer(name, UNKNOWN, took, note="stopped before it answered"))
    except KeyboardInterrupt:
        raise Interrupted() from None
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():  # pragma: no cover - a child ignoring SIGTERM
                proc.kill()
                proc.join()
        for c in conns:
            c.close()
    return winner, answers


def _is_canonical(answer: Answer, full_canonical: bool) -> bool:
    """Whether ``answer`` holds the canonical counterexample already (no derivation)."""
    return (
        full_canonical
        and answer.verdict == FAIL
        and answer.trace is not None
        and bool(answer.extra.get("canonical"))
        and answer.shortest
    )


def portfolio_bmc(
    spec: Spec,
    depth: int,
    *,
    jobs: int | None = None,
    timeout: float | None = None,
    invariants: Sequence[str] | None = None,
    simplify: bool = True,
    induction: bool = True,
    members: Sequence[str] = MEMBERS,
    incremental: Any = None,
    before_race: Callable[[float | None], CheckResult | None] | None = None,
) -> CheckResult:
    """Bounded model checking by the portfolio; same verdicts and texts as ``bmc.bmc``
    (``incremental``: ``bmc.bmc`` itself, for ``members.incremental_path``; ``before_race``:
    asked with the seconds left when the first attempt did not answer, its result wins)."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise UsageError(f"depth must be a non-negative integer, got {depth!r}")
    jobs = default_jobs() if jobs is None else jobs
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise UsageError(f"jobs must be an integer >= 1, got {jobs!r}")
    unknown = [m for m in members if m not in _MEMBER_FNS]
    if unknown or not members:
        raise UsageError(f"unknown portfolio member(s) {unknown}; known: {', '.join(MEMBERS)}")
    require_spec_sane(spec)
    decls = searched_properties(spec, invariants)
    deadline = Deadline(timeout)
    few = bool(smaller(spec))
    full = not few or spec.accounts <= FULL_CANONICAL_ACCOUNTS
    skip = {"few"} if not few else set()
    if not induction or depth < 2:
        skip.add("induction")
    members = [m for m in members if m not in skip] or list(members)
    info: dict[str, object] = {"jobs": jobs, "winner": None, "members": []}

    result = result_maker("bmc", spec, deadline, {"portfolio": info})

    try:
        with interruptible():
            progress.note(phase="bmc: initial state, depth 0, 1-induction")
            attempt = depth < INDUCTION_FIRST_DEPTH or not induction
            early, started, waits = opening(
                spec, decls, depth, deadline, result, simplify,
                attempt=attempt, full=full, members=members, jobs=jobs,
            )  # fmt: skip
            if early is not None:
                return early
            if depth == 0:
                return result(
                    PASS,
                    "depth 0/0",
                    f"no violation in any path of up to {_steps(0)} ({_accounts(spec.accounts)})",
                    depth=0,
                )
            winner, answers = None, []
            if attempt:
                progress.note(phase=f"bmc first attempt in this process, depth {depth}")
                try:
                    first = first_attempt(
                        spec, decls, depth, deadline, simplify,
                        full=full, members=members, jobs=jobs, started=started,
                    )  # fmt: skip
                except Interrupted:
                    raise
                except Exception:
                    # the opening's checks came first: their verdict, or their own error
                    late = prefix(spec, decls, depth, deadline, result, simplify) if waits else None
                    if late is not None:
                        return late
                    raise
                if waits:
                    late = after_attempt(spec, decls, depth, deadline, result, simplify, first)
                    if late is not None:
                        return late
                if first is not None:
                    answers.append(first)
                    winner = first if first.verdict != UNKNOWN else None
            # a falsifier's path found after the capped attempt gave up: no race (whose
            # answer would depend on the clock), its derivation is counted (``found_path``)
            sampled = winner is not None and bool(winner.extra.get("beside_first_attempt"))
            if winner is None and before_race and not deadline.expired():
                progress.note(phase=f"bmc: the proof for every number of accounts, depth {depth}")
                left = None if timeout is None else max(0.001, timeout - deadline.elapsed())
                answered = before_race(left)
                if answered is not None:
                    return answered
            if winner is None:
                progress.note(phase=f"bmc portfolio on {jobs} process(es), depth {depth}")
                winner, more = race(spec, decls, depth, jobs, deadline, members, simplify, full)
                answers += more
            info["members"] = [
                {
                    "member": a.member,
                    "verdict": a.verdict,
                    "seconds": round(a.seconds, 3),
                    "note": a.note,
                    **a.extra,
                }
                for a in answers
            ]
            info["winner"] = None if winner is None else winner.member
            if winner is None:
                cleared = max([a.depth for a in answers if a.depth is not None] or [0])
                tried = ", ".join(dict.fromkeys(a.member for a in answers)) or "none"
                reason = "timeout" if deadline.expired() else "unknown"
                stopped = ran_out(reason, timeout, deadline.elapsed())
                why = stopped.words if stopped is not None else "every strategy gave up"
                return result(
                    UNKNOWN,
                    f"depth {cleared}/{depth}",
                    f"{why} (portfolio members tried: {tried})",
                    depth=cleared,
                    details={"reason": "timeout" if stopped is not None else "unknown"},
                    ran_out=stopped,
                )
            if winner.verdict == PASS:
                return _passed(spec, decls, depth, deadline, answers, members, result)
            d, shortest = winner.depth or 0, winner.shortest
            progress.note(phase=f"counterexample ({winner.member} won)", members=None)
            if sampled:
                return report_found(spec, decls, winner, depth, deadline, result, simplify)
            if _is_canonical(winner, full):
                assert winner.trace is not None
                return _confirmed(spec, winner.trace, d, winner.failed, depth, result)

            def derive() -> tuple[int, bool, CheckResult | None]:
                e, first = d, shortest
                if not first:
                    progress.note(phase=f"shortening the depth-{e} counterexample")
                    e, first = shorten(spec, decls, e, deadline, SHORTEN_RLIMIT)
                if incremental and not first and full and not deadline.expired():
                    again = incremental_path(
                        incremental, spec, depth, deadline, invariants, simplify
                    )
                    if again is not None:
                        again.seconds = deadline.elapsed()
                        again.details["portfolio"] = info
                        return e, first, again
                found = canonical(spec, decls, e, depth, deadline, result, simplify, first)
                return e, first, found

            derived = _bounded(derive, deadline, DERIVE_SECONDS)
            if derived is not None:
                d, shortest, found = derived
                if found is not None:
                    return found
            return from_trace(spec, winner, d, shortest, depth, result)
    except Interrupted:
        return result(
            UNKNOWN,
            f"depth 0/{depth}",
            "interrupted by the user (Ctrl-C)",
            details={"reason": "interrupted"},
        )


def _bounded(fn: Any, deadline: Deadline, cpu: float) -> Any:
    """``fn()`` in a forked process the budget, or ``cpu`` seconds of its CPU, stops (None
    then): a nonlinear check of the counterexample's derivation ran 10 s past its timeout
    and its resource cap in process (entry style with lemmas, 30 accounts)."""
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover
        return fn()
    return in_child(fn, deadline, cpu)


def _passed(
    spec: Spec,
    decls: list[PredicateDecl],
    depth: int,
    deadline: Deadline,
    answers: list[Answer],
    members: Sequence[str],
    result: object,
) -> CheckResult:
    """A PASS, worded by the 1-induction member whoever won (run now if it has not)."""
    ran = [a for a in answers if a.member == "induction"]  # a PASS in a later round counts
    inductive = next((a for a in ran if a.verdict == PASS), ran[0] if ran else None)
    if inductive is None and "induction" in members:
        left = None if deadline.seconds is None else deadline.seconds - deadline.elapsed()
        # without inferring lemmas: the PASS is known, this only words it
        inductive = run_member("plain_induction", spec, decls, depth, left)
        answers.append(inductive)
    head = f"no violation in any path of up to {_steps(depth)} ({_accounts(spec.accounts)}"
    if inductive is not None and inductive.verdict == PASS:
        inferred = list(cast("list[str]", inductive.extra.get("inferred", [])))
        said = lemma_words([i.split(":")[0] for i in inferred]) if inferred else ""
        return result(  # type: ignore[operator, no-any-return]
            PASS,
            f"depth {depth}/{depth}",
            head + f"): the properties hold initially and are 1-inductive{said}, "
            "so none at any depth",
            depth=depth,
            details={"method": "1-induction", **({"inferred": inferred} if inferred else {})},
        )
    return result(PASS, f"depth {depth}/{depth}", head + ")", depth=depth)  # type: ignore[operator, no-any-return]
