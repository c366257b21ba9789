"""The bmc portfolio's first attempt: one capped search in this process, before the race.

Most bmc questions of a small spec are answered by the incremental search in a fraction
of a second, less than starting the portfolio's member processes costs (each one competes
for the cores with the others, the falsifier alone takes up to a second of CPU). So the
portfolio first runs one member here, each of its solver checks capped by
``FIRST_RLIMIT`` units of Z3's resource counter (a counter, not a clock: the attempt
answers, or gives up, the same way on a busy and an idle machine):

- up to ``FULL_CANONICAL_ACCOUNTS`` accounts (or accounts that do not all start alike):
  the ``incremental`` member, whose counterexample is the canonical one (the report is
  the one the race would give, whoever won it); when it gives up at the last depth, the
  ``fresh`` member's one-shot query there, under the same cap (the fixed-point
  corpus spec on 1 account: the depth-3 one-shot query uses 0.24 million units where the
  unrolling gives up; its path is derived again canonically); in fixed-point arithmetic
  the last depth is asked first with the market pinned at its envelope's corners
  (``corners``, the draws constant over the steps), then one-shot, and so is the depth
  where the unrolling of the depths before the last gave up;
- with more accounts: the ``few`` member on one active account, lifted and replayed (the
  portfolio then shortens it and derives it canonically, as after a race; so its path is
  not simplified here).

Only when the attempt is inconclusive do the member processes start. Deep questions
(from ``INDUCTION_FIRST_DEPTH`` on, where 1-induction runs first) and member lists
without the attempt's member go straight to the race.

With ``--jobs`` of 2 or more the attempt runs in one forked process of its own (nothing is
imported or encoded again; no other member competes for the cores), which the deadline, or
``FIRST_SECONDS`` of its CPU time, can stop: Z3 does not always stop at its own limits (a
nonlinear check of the corpus's entry style with lemmas ran 26 s past a 20 s budget and
past its resource cap, in process).
With ``--jobs 1`` it runs in this process, like every member then.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from solvent.check import solving
from solvent.check.corners import CONSTANT_CORNERS, applies, at_corners_path
from solvent.check.falsify import attempts
from solvent.check.members import Answer, few_accounts, fresh_from, unroll
from solvent.check.profiling import profiled
from solvent.check.results import FAIL, PASS, UNKNOWN
from solvent.check.solving import Deadline, Interrupted
from solvent.errors import InternalError
from solvent.spec.spec import PredicateDecl, Spec

# resource units per check of the first attempt: the corpus's depth-3 questions on 1-3
# accounts use 0.05-2.9 million (benchmarks/results/engine.md, round 6); the README's
# example (perp_gap_risk.py, 3 accounts) 1.68 million at depth 2, which at 1.5 million sent
# it to the proof and the race: 2.3x the CPU, and its wall time up to the race (round 17)
FIRST_RLIMIT = 2_000_000
# a safety net only (jobs >= 2): a check that ignores its resource cap is stopped after this
# many seconds of its process's CPU time (not wall time: the same on a busy machine) and
# the race starts; it decides which path answers, never the answer (the attempt's answer
# is the race's)
FIRST_SECONDS = 5.0
# and after this many times as long in wall time (a child that hangs without using the CPU)
WALL_BACKSTOP = 10
# with --jobs 2 or more, this process runs the falsifier while the attempt's child works,
# once the child has used this many seconds of CPU (most attempts answer before: their
# path is the canonical one; CPU, not wall: the same on a busy machine); a bug the capped
# solver stalls on (the cross-margin spec, load 10: the attempt took the whole 60 s
# budget, the race never started) is found by a sampled path
MEANWHILE_AFTER = 1.0
# when the attempt gave up, the falsifier's paths run here before the race until this many
# account steps were tried (a count, not seconds: the same paths whatever the load; the
# falsifier's turns in the race got too little CPU under load). The cross-margin spec's
# bug on one account (tests/check/specs/cross_margin.py, BUG=1) is the 336th path at
# depth 4 and the 392nd at depth 5: 1.6 s of CPU at depth 5 on an idle machine
FALSIFY_SHARE = 2500
FALSIFY_SHARE_MIN = 4  # paths, however many accounts


def first_attempt(
    spec: Spec,
    decls: list[PredicateDecl],
    depth: int,
    deadline: Deadline,
    simplify: bool,
    *,
    full: bool,
    members: Sequence[str],
    jobs: int = 1,
    started: Child | None = None,
) -> Answer | None:
    """The capped attempt's answer (UNKNOWN when it gave up), None when it does not apply
    (``started``: its process, from ``start_first`` with the same arguments)."""
    name = "incremental" if full else "few"
    if name not in members:
        return None

    attempt = _attempt(spec, decls, depth, deadline, simplify, full)
    began = time.perf_counter()
    forked = _forks(jobs)
    beside = _Falsifying(spec, decls, depth) if jobs >= 2 and "falsify" in members else None
    if forked:
        answer = in_child(attempt, deadline, FIRST_SECONDS, beside, started)
    else:
        answer = attempt()
    if beside is not None and beside.found is not None:
        if answer is None or (isinstance(answer, Answer) and answer.verdict == UNKNOWN):
            beside.found.extra["cleared"] = _cleared(answer, full)
            answer = beside.found  # the attempt's own answer comes first: it is canonical
    if answer is not None and not isinstance(answer, Answer):  # pragma: no cover
        raise InternalError(f"the first attempt sent {answer!r}")
    if answer is None:
        note = f"stopped by the budget or after {FIRST_SECONDS:g} s of CPU"
        answer = Answer(name, UNKNOWN, note=note)
    if answer.verdict == UNKNOWN and "falsify" in members and not deadline.expired():
        # the falsifier's share before the race, counted in paths (not seconds)
        share = beside if beside is not None else _Falsifying(spec, decls, depth)
        sampled = share.up_to(share_paths(spec, depth), deadline)
        if sampled is not None:
            sampled.extra["cleared"] = _cleared(answer, full)
            answer = sampled
    answer.seconds = time.perf_counter() - began
    answer.extra["in_process"] = not forked
    answer.extra["first"] = True
    if answer.verdict == UNKNOWN:
        answer.note = f"first attempt, capped at {FIRST_RLIMIT:,} units a check: {answer.note}"
    return answer


def _attempt(
    spec: Spec,
    decls: list[PredicateDecl],
    depth: int,
    deadline: Deadline,
    simplify: bool,
    full: bool,
) -> Callable[[], Answer]:
    """The attempt itself, to run in this process or in a forked one."""

    def attempt() -> Answer:
        if full:
            if applies(spec) and depth >= 1:
                # fixed point: the depths before the last, then the market at its corners
                # and the one-shot query at the last (the unrolling's own check there
                # gave up at its cap on every fixed-point corpus spec: 2 s of CPU)
                pre = unroll(spec, decls, depth - 1, deadline, simplify, rlimit=FIRST_RLIMIT)
                if pre.verdict == UNKNOWN and pre.depth is not None and not deadline.expired():
                    # it gave up before the last depth, the depths before cleared: that
                    # depth is a shortest one, asked with the market at its corners
                    # (the corpus's fixed-point bug at --depth 5: 13 s of CPU, not 1 s)
                    early = at_corners_path(
                        spec, decls, pre.depth + 1, deadline, False, limit=CONSTANT_CORNERS
                    )
                    if early.verdict != UNKNOWN:
                        return early
                if pre.verdict != PASS or deadline.expired():
                    return pre
                pinned = at_corners_path(
                    spec, decls, depth, deadline, False, limit=CONSTANT_CORNERS
                )
                if pinned.verdict != UNKNOWN:
                    return pinned
                more = fresh_from(spec, decls, depth, depth, deadline, False, FIRST_RLIMIT)
                if more.verdict != UNKNOWN:
                    return more
            got = unroll(spec, decls, depth, deadline, simplify, rlimit=FIRST_RLIMIT)
            if got.verdict != UNKNOWN or got.extra.get("irrational") or deadline.expired():
                return got
            if got.depth != depth - 1 or applies(spec):  # the race then
                return got
            # the last depth, one-shot (its path is derived again canonically)
            more = fresh_from(spec, decls, depth, depth, deadline, False, FIRST_RLIMIT)
            return got if more.verdict == UNKNOWN else more
        # its path is derived again canonically (``canonical.canonical``): not simplified here
        return few_accounts(spec, decls, depth, deadline, False, active=1, rlimit=FIRST_RLIMIT)

    return attempt


def _forks(jobs: int) -> bool:
    """Whether the attempt runs in a forked process of its own."""
    # forked also with --jobs 1 (the parent only waits: one process works at a time), so
    # its CPU safety net holds there too: in process, a check Z3 ran past its resource cap
    # held a safe 3-account question at depth 5 for 68 s where --jobs 2 took 7 s; not in
    # a daemonic process (a pool's worker may not start processes)
    return "fork" in multiprocessing.get_all_start_methods() and (
        jobs >= 2 or not multiprocessing.current_process().daemon
    )


def _cleared(answer: object, full: bool) -> int:
    """The depths the capped attempt showed free of violations before it gave up (on the
    full spec only: the ``few`` member's are those of a smaller copy)."""
    if not (full and isinstance(answer, Answer) and answer.verdict == UNKNOWN):
        return 0
    return answer.depth or 0


def share_paths(spec: Spec, depth: int) -> int:
    """How many of the falsifier's paths run before the race: ``FALSIFY_SHARE`` account
    steps (a path's replay costs about its accounts times its steps)."""
    return max(FALSIFY_SHARE_MIN, FALSIFY_SHARE // max(1, spec.accounts * depth))


class _Falsifying:
    """The falsifier in turns of a given number of seconds (``found``: its FAIL)."""

    def __init__(self, spec: Spec, decls: list[PredicateDecl], depth: int) -> None:
        self.stream = attempts(spec, [d.name for d in decls], depth)
        self.tried = 0
        self.found: Answer | None = None

    def __call__(self, seconds: float) -> Answer | None:
        """Its paths for about ``seconds`` (at least one) or until one is found."""
        end = time.perf_counter() + seconds
        while self.found is None:
            self._draw()
            if time.perf_counter() >= end:
                break
        return self.found

    def up_to(self, paths: int, deadline: Deadline) -> Answer | None:
        """Its paths until ``paths`` were tried in all (a count: the same paths on a busy
        and an idle machine), one is found, or ``deadline`` expires."""
        while self.found is None and self.tried < paths and not deadline.expired():
            self._draw()
        return self.found

    def _draw(self) -> None:
        """One more path, replayed (``found`` when it breaks a property)."""
        path = next(self.stream)
        self.tried += 1
        if path is not None:
            extra: dict[str, object] = {"paths": self.tried, "beside_first_attempt": True}
            self.found = Answer("falsify", FAIL, depth=len(path.steps), trace=path, extra=extra)


@dataclass(frozen=True, slots=True)
class Child:
    """A forked child of ``start_child`` whose answer ``in_child`` waits for."""

    proc: BaseProcess
    recv: Connection
    net: Deadline  # the wall-time backstop, from its start


def start_child(
    fn: Callable[[], Any], seconds: float | None = FIRST_SECONDS, what: str = "the first attempt"
) -> Child:
    """``fn()`` started in a forked process (``seconds``: its CPU cap, as ``in_child``)."""
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=child_main, args=(send, fn, what, seconds), daemon=True)
    proc.start()
    send.close()
    net = Deadline(None if seconds is None else seconds * WALL_BACKSTOP)
    return Child(proc, recv, net)


def stop_child(child: Child) -> None:
    """End ``child`` (whatever it is doing) and close its pipe."""
    if child.proc.is_alive():
        child.proc.terminate()
    child.proc.join(timeout=5)
    if child.proc.is_alive():  # pragma: no cover - a child ignoring SIGTERM
        child.proc.kill()
        child.proc.join()
    child.recv.close()


def start_first(
    spec: Spec,
    decls: list[PredicateDecl],
    depth: int,
    deadline: Deadline,
    simplify: bool,
    *,
    full: bool,
    members: Sequence[str],
    jobs: int,
) -> Child | None:
    """The process of ``first_attempt`` with these arguments, started now, while this one
    does something else (the portfolio's vacuity and depth 0: on the other core); None
    with ``--jobs 1`` (one process works at a time) or when the attempt is not forked."""
    if jobs < 2 or not _forks(jobs) or ("incremental" if full else "few") not in members:
        return None
    return start_child(_attempt(spec, decls, depth, deadline, simplify, full), FIRST_SECONDS)


def in_child(
    fn: Callable[[], Any],
    deadline: Deadline,
    seconds: float | None = FIRST_SECONDS,
    meanwhile: Callable[[float], Any] | None = None,
    started: Child | None = None,
) -> Any:
    """``fn()`` in one forked process, stopped (None) when ``deadline`` expires or after
    ``seconds`` of the child's CPU time, or ``WALL_BACKSTOP`` times as many seconds of wall
    time for a child that waits without using the CPU (None: only the deadline).
    ``meanwhile(s)``: run in this process for about ``s`` seconds at a time while the child
    works, once the child used ``MEANWHILE_AFTER`` seconds of CPU, until it returns
    something other than None (the caller keeps that; the child goes on). CPU time:
    a loaded machine stretched 5 s of wall to a fifth of the attempt's work, and the
    corpus's fixed-point bug at depth 5 on 10 accounts was then UNKNOWN after 120 s with
    ``--jobs 2`` where ``--jobs 1`` found it in 3.5 s of CPU (round 15). ``started``: the
    child ``fn`` runs in, already started by ``start_child`` (``fn`` is then not used)."""
    child = started if started is not None else start_child(fn, seconds)
    proc, recv, net = child.proc, child.recv, child.net
    msg: object = None
    try:
        while not deadline.expired() and not net.expired():
            if solving._interrupted:
                raise Interrupted()
            left = [x for x in (net.remaining_ms(), deadline.remaining_ms()) if x is not None]
            if meanwhile is not None and _cpu(proc.pid) >= MEANWHILE_AFTER and not recv.poll():
                if meanwhile(min([0.25, *(ms / 1000 for ms in left)])) is not None:
                    meanwhile = None  # it found what it looks for: the child goes on
            if recv.poll(min([0.25, *(ms / 1000 for ms in left)])):
                try:
                    msg = recv.recv()
                except EOFError:  # the child died without a word: its CPU cap (SIGXCPU)?
                    proc.join(timeout=5)
                    if proc.exitcode != -signal.SIGXCPU:  # pragma: no cover
                        msg = InternalError("the first attempt's process ended without an answer")
                break
    except KeyboardInterrupt:
        raise Interrupted() from None
    finally:
        stop_child(child)
    if isinstance(msg, BaseException):  # a spec error stays exit 3
        raise msg
    return msg


# the kernel's clock ticks a second, the unit of /proc/PID/stat's CPU times
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu(pid: int | None) -> float:
    """Seconds of CPU the process ``pid`` has used (0 when it is gone).

    Read from ``/proc/PID/stat`` where there is one, as psutil reads it on Linux: importing
    psutil took 15-25 ms of every bmc's start (round 18 of benchmarks/results/engine.md);
    elsewhere (macOS) psutil answers."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            # utime and stime: the 14th and 15th fields, counted after the command name's
            # closing parenthesis (the name may hold spaces and parentheses)
            fields = fh.read().rpartition(b")")[2].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return 0.0  # a process that is gone
    except (OSError, ValueError, IndexError):
        pass
    import psutil

    try:
        used = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return float(used.user + used.system)


def child_main(  # pragma: no cover
    conn: Connection, fn: Callable[[], object], what: str, cpu: float | None = None
) -> None:
    """The body of a forked child: ``fn()``'s result, or the exception it raised (the parent
    raises it: a spec error stays exit 3), sent on ``conn``; Ctrl-C is the parent's. With
    ``cpu``, the kernel stops the child (SIGXCPU) after that many more seconds of CPU."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    if cpu is not None:
        used = resource.getrusage(resource.RUSAGE_SELF)
        cap = math.ceil(used.ru_utime + used.ru_stime + cpu)
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
        resource.setrlimit(resource.RLIMIT_CPU, (cap, resource.getrlimit(resource.RLIMIT_CPU)[1]))
    try:
        with profiled(what):
            answer = fn()
        conn.send(answer)
    except BaseException as exc:
        try:
            conn.send(exc)
        except Exception:
            conn.send(InternalError(f"{what} failed: {exc!r}"))
    finally:
        conn.close()
        os._exit(0)  # no atexit handlers or inherited threads' locks in a forked child
