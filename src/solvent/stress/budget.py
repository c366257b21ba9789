"""The time budget of a stress run (``--timeout S``): one deadline, read on one clock.

The deadline is taken when the run starts (the command line's covers the process's
start-up too). Loading the compiled kernel is waited for until the deadline (:func:`within`);
a kernel not in numba's cache compiles in a child process killed at the deadline, while the
NumPy lanes run blocks (:mod:`solvent.stress.coldstart`).
The blocks are simulated while it has not passed: a block of NumPy lanes looks at it between
steps (:class:`OutOfTime` drops the unfinished block), the compiled kernel's chunks
between chunks. The exact re-runs of the lanes to settle stop at the earlier of it and
``--confirm-seconds`` (between steps of a lane). What was done in the time is reported
(paths simulated, lanes re-run); what was not is never counted as a violation, and the
verdict is then UNKNOWN (exit 2), or FAIL on a violation already confirmed.

:func:`clock` is ``time.monotonic``; the tests replace it with a counted one.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any


class OutOfTime(Exception):
    """The run's deadline passed."""


def clock() -> float:
    """The clock every deadline of a stress run is read on (seconds)."""
    return time.monotonic()


def deadline(seconds: float | None) -> float | None:
    """The deadline ``seconds`` from now on :func:`clock` (None or 0: none)."""
    return clock() + seconds if seconds else None


def since_start() -> float:
    """Seconds since this process started (Linux: its start in ``/proc``; elsewhere 0),
    so the command line's ``--timeout`` also covers the start-up (imports, loading the spec)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rpartition(")")[2].split()
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
        return max(0.0, uptime - int(fields[19]) / ticks)
    except (OSError, ValueError, IndexError):
        return 0.0


def earliest(*deadlines: float | None) -> float | None:
    """The first of the deadlines given (None: none of them)."""
    given = [d for d in deadlines if d is not None]
    return min(given) if given else None


def passed(until: float | None) -> bool:
    """Whether the deadline ``until`` (None: none) has passed."""
    return until is not None and clock() > until


def within(work: Callable[[], Any], until: float | None) -> bool:
    """Run ``work()`` (one that cannot look at a deadline itself: loading or compiling the
    numba kernel) and wait for it until ``until``: False if it was still running then (it
    goes on in a daemon thread, which the process's exit stops); its exception is raised."""
    if until is None:
        work()
        return True
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller
            failed.append(exc)

    thread = threading.Thread(target=run, name="solvent-stress-budgeted", daemon=True)
    thread.start()
    thread.join(max(0.0, until - clock()))
    if thread.is_alive():
        return False
    if failed:
        raise failed[0]
    return True
