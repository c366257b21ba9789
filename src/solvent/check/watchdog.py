"""The hard end of a check's budget: the check runs in a forked process the budget stops.

Each phase of ``bmc`` and ``prove`` keeps to its share of the budget by itself (Z3's
timeout, resource counter and the checks' deadlines), but Z3 does not always stop at its
own limits: some nonlinear checks hardly advance its resource counter and do not look at
the cancel its timeout sends for tens of seconds (a two-market one-account proof ran 31 s
past ``--timeout 60`` on an idle machine, in the main process where nothing could stop
it). So the check runs in one forked process (its own process group, with the portfolio's
member processes it starts) and this process waits for it; at the budget's hard end the
whole group is killed. The hard end is the budget plus half of what ``--timeout`` allows
past it (5% or 2 s, whichever is larger), which leaves this process the time to print.

The check sends each stage's result as soon as it has it (the verdict, then the verdict
with its slack search and explanations): a slack search stopped by the budget keeps the
proof it was explaining. The check's progress notes are forwarded, so the spinner shows
what runs in the child. The caller words what a stop means (``stopped``), with the phase
the check was in and the time it had run.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from solvent.check import profiling, progress
from solvent.errors import InternalError

# seconds a check has to answer Ctrl-C (its "interrupted" verdict) before it is killed:
# Z3 does not always stop at an interrupt either
INTERRUPT_GRACE = 2.0


def allowance(budget: float) -> float:
    """How far past ``budget`` seconds a run may end: 5% or 2 s, whichever is larger."""
    return max(0.05 * budget, 2.0)


def hard_end(budget: float) -> float:
    """When (seconds into the run) the check is killed: half the allowance past the budget."""
    return budget + allowance(budget) / 2


@dataclass(frozen=True, slots=True)
class Stop:
    """Where a check was when the budget stopped it."""

    phase: str  # the last phase it noted ("" when none)
    seconds: float  # wall time of the check's process when it was stopped
    cpu: float  # its CPU time (user + sys, with its member processes)


def guarded(
    first: Callable[[], Any],
    then: Sequence[Callable[[Any], Any]],
    seconds: float | None,
) -> tuple[Any, int, Stop | None]:
    """``first()``, then each of ``then`` on the result, stopped after ``seconds``.

    Returns (the last result it gave, how many stages gave one (0: none), the Stop or
    None). Without ``seconds``, without ``fork`` (Windows) or in a daemonic process (a
    pool's worker, which may not start processes) it runs in this process.
    """
    forks = "fork" in multiprocessing.get_all_start_methods()
    if seconds is None or not forks or multiprocessing.current_process().daemon:
        result = first()
        for fn in then:
            result = fn(result)
        return result, 1 + len(then), None
    return _forked(first, then, seconds)


def _forked(
    first: Callable[[], Any], then: Sequence[Callable[[Any], Any]], seconds: float
) -> tuple[Any, int, Stop | None]:
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    began = time.perf_counter()
    before = os.times()
    proc = ctx.Process(target=_child, args=(send, first, then), daemon=False)
    proc.start()
    send.close()
    pid = proc.pid
    assert pid is not None
    result: Any = None
    stages = 0
    failure: BaseException | None = None
    finished = False
    asked: list[float] = []  # when Ctrl-C was passed on
    try:
        with _forwarding_ctrl_c(pid, asked):
            while not finished:
                left = seconds - (time.perf_counter() - began)
                if asked and time.perf_counter() - asked[0] > INTERRUPT_GRACE:
                    failure = KeyboardInterrupt()  # the check did not answer it: stop it
                    break
                if left <= 0:
                    break
                if not recv.poll(min(0.1, left)):
                    continue
                try:
                    msg = recv.recv()
                except EOFError:
                    failure = InternalError("the check's process ended without an answer")
                    break
                kind = msg[0]
                if kind == "progress":
                    progress.clear()
                    progress.note(**msg[1])
                elif kind == "stage":
                    result, stages = msg[1], stages + 1
                    finished = stages == 1 + len(then)
                else:  # "raise": the check's exception (a spec error stays exit 3)
                    failure = msg[1]
                    break
    finally:
        stop = None
        if not finished and failure is None:  # the budget stopped it
            took = time.perf_counter() - began
            stop = Stop(progress.describe(), took, 0.0)
        _kill(pid)
        proc.join(timeout=5)
        recv.close()
        after = os.times()
        cpu = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        if stop is not None:
            stop = Stop(stop.phase, stop.seconds, cpu)
    if failure is not None:
        raise failure
    return result, stages, stop


def _kill(pid: int) -> None:
    """Kill the check's process group (the check and the member processes it started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _forwarding_ctrl_c(pid: int, asked: list[float]) -> Any:
    """Pass Ctrl-C on to the check's process group (not in the terminal's foreground
    group, it would not get it): the check answers "interrupted", as in process; one
    that has not answered after ``INTERRUPT_GRACE`` seconds is stopped."""
    from solvent.check.solving import on_ctrl_c

    def forward(signum: int, frame: Any) -> None:
        asked.append(time.perf_counter())
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGINT)

    return on_ctrl_c(forward)


def _child(
    conn: Connection, first: Callable[[], Any], then: Sequence[Callable[[Any], Any]]
) -> None:  # pragma: no cover - runs in the forked child
    os.setpgrp()  # its own group: the parent kills it with its member processes
    _die_with_parent()

    me = os.getpid()

    def forward(fields: dict[str, Any]) -> None:  # not from the member processes it forks
        if os.getpid() != me:
            return
        with contextlib.suppress(Exception):
            conn.send(("progress", fields))

    progress.forward_to(forward)
    try:
        finish = profiling.start("check")  # SOLVENT_PROFILE: written before the last stage
        result = first()
        for fn in then:
            conn.send(("stage", result))
            result = fn(result)
        finish()
        conn.send(("stage", result))
    except BaseException as exc:  # noqa: BLE001 - the parent raises it
        try:
            conn.send(("raise", exc))
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            conn.send(("raise", InternalError(f"the check failed: {exc!r}")))
    finally:
        conn.close()
        os._exit(0)  # no atexit handlers, no teardown of Z3's terms (seconds for big ones)


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    """Linux: the kernel kills the check when its parent dies (a killed CLI leaves no
    solver running)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
