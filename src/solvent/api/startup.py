"""A command-line check's budget counts from the start of its process.

``--timeout`` is honoured for the whole run a user waits for: Python's start, the imports
and loading the spec come out of the budget too (1.8-2.7 s at a load of 6-8, before the
check's own clock started), and the verdict line's time is the whole wall time. The
console script calls :func:`count_from_process_start`; from the Python API a check's
budget starts with the call, as before.
"""

from __future__ import annotations

import os

from solvent.check.results import CheckResult

_counting = False


def count_from_process_start() -> None:
    """Charge the time this process ran before a check to that check's budget."""
    global _counting
    _counting = True


def spent() -> float:
    """Seconds since this process started (Linux ``/proc``) when counting, else 0."""
    if not _counting:
        return 0.0
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as f:
            up = float(f.read().split()[0])
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start, in ticks
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        return 0.0
    return max(0.0, up - started)


def left(budget: float, already: float) -> float:
    """What a check started ``already`` seconds into a run of ``budget`` seconds may use."""
    return max(0.001, budget - already)


def counted(result: CheckResult, already: float, budget: float) -> CheckResult:
    """``result`` of a check given :func:`left` of ``budget``: its time is the whole run's,
    and a timeout message names the user's budget."""
    if already:
        result.seconds += already
        given = left(budget, already)
        result.message = result.message.replace(f"after {given:g}s", f"after {budget:g}s")
    return result
