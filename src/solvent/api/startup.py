"""A command-line check's budget counts from the start of its process.

``--timeout`` is honoured for the whole run a user waits for: Python's start, the imports
and loading the spec come out of the budget too (1.8-2.7 s at a load of 6-8, before the
check's own clock started), and the verdict line's time is the whole wall time. The
console script calls :func:`count_from_process_start`; from the Python API a check's
budget starts with the call, as before.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

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


def ends_at(budget: float) -> float:
    """When (``time.perf_counter``) a run of ``budget`` seconds ends: counted from the
    process's start from the console script (:func:`spent`), else from now. frontier,
    synth and check keep one such end for the whole run (check's lint, bmc and prove, on
    every target, share it)."""
    return time.perf_counter() + left(budget, spent())


def not_started(check: str, spec: Any, settings: Any, seconds: float, ran: str) -> CheckResult:
    """The UNKNOWN of a check of ``solvent check`` for which the budget the checks share
    left no time (``ran``: what ran before it)."""
    from solvent.check.verdicts import budget_words

    budget = float(settings.budget)
    message = (
        f"not started: {budget_words(budget, settings.timeout is not None)} ran out before "
        f"it ({ran} took it, from the process's start). Next: a larger --timeout"
    )
    stopped = {"budget": budget, "not_started": True}
    return _unfinished(check, spec, settings, seconds, message, stopped)


def _unfinished(
    check: str, spec: Any, settings: Any, seconds: float, message: str, stopped: dict[str, Any]
) -> CheckResult:
    """The UNKNOWN of a check the budget stopped before its verdict: nothing of its bound."""
    from solvent.check.results import UNKNOWN

    bounds = {"prove": f"k={settings.k}", "lint": "0 steps"}
    return CheckResult(
        check,
        spec.name,
        UNKNOWN,
        bounds.get(check, f"depth 0/{settings.depth}"),
        seconds,
        spec.accounts,
        message=message,
        k=settings.k if check == "prove" else None,
        details={"reason": "timeout", "stopped": stopped},
    )


def counted(result: CheckResult, already: float, budget: float, user: bool) -> CheckResult:
    """``result`` of a check given :func:`left` of ``budget``: its time is the whole run's,
    and its timeout (``result.ran_out``) is said once, naming the user's budget (``user``:
    given with --timeout), the phase that ran out and the share of the budget it had
    (``verdicts.budget_named``)."""
    from solvent.check.verdicts import budget_named

    result.seconds += already
    budget_named(result, budget, user)
    return result


def within_budget(
    check: str,
    spec: Any,
    settings: Any,
    already: float,
    first: Callable[[], CheckResult],
    then: Sequence[Callable[[CheckResult], CheckResult]] = (),
) -> CheckResult:
    """``first()`` (the check, given :func:`left` of the budget: :func:`counted`), then
    each of ``then`` (what explains its verdict), in a forked process the budget stops
    (``check/watchdog.py``).

    Each stage's result carries the wall time of the run so far (the checks count theirs,
    :func:`counted` adds ``already``, the time before the check): the later stages size
    their share of the budget from it. A check stopped before its verdict is UNKNOWN,
    saying in which phase, after how long, and that the budget stopped it; one stopped
    while explaining its verdict keeps it, with the whole wall time.
    """
    from solvent.check import progress
    from solvent.check.verdicts import budget_words
    from solvent.check.watchdog import guarded, hard_end

    began = time.perf_counter()

    def whole(result: CheckResult) -> CheckResult:
        result.seconds = already + time.perf_counter() - began
        return result

    budget = float(settings.budget)
    user = settings.timeout is not None

    def verdict() -> CheckResult:
        progress.clear()  # the phase a timeout names is this check's (``counted``)
        return counted(first(), already, budget, user)

    result, done, stop = guarded(verdict, then, max(0.5, hard_end(budget) - already))
    if stop is None:
        return cast(CheckResult, result)
    if done == 0:
        return _stopped(check, spec, settings, already + stop.seconds, stop)
    verdict_took = cast(CheckResult, result).seconds
    result = whole(cast(CheckResult, result))
    if slack_cut(result, done, settings):  # the time after the proof was its slack search's
        result.details["slack_seconds"] = round(max(0.0, result.seconds - verdict_took), 3)
    result.details["stopped"] = _stop_json(stop, budget)
    result.message += f"; what explains it was stopped by {budget_words(budget, user)}" + (
        f" during {stop.phase}" if stop.phase else ""
    )
    return result


def slack_cut(result: CheckResult, done: int, settings: Any) -> bool:
    """Whether the budget stopped a PASS of prove in its slack search (the stage after the
    verdict, ``proof_notes.attributed``): the verdict line then shows the search's share
    of the whole time, as when it ends by itself (round 23 showed none: "12.3s" where the
    proof took 2 s of it)."""
    return (
        done == 1
        and result.check == "prove"
        and result.verdict == "PASS"
        and bool(getattr(settings, "slack", False))
        and "slack_seconds" not in result.details
    )


def _stop_json(stop: Any, budget: float) -> dict[str, Any]:
    return {
        "budget": budget,
        "phase": stop.phase or None,
        "check_seconds": round(stop.seconds, 3),
        "check_cpu_seconds": round(stop.cpu, 3),
    }


def _stopped(check: str, spec: Any, settings: Any, seconds: float, stop: Any) -> CheckResult:
    """The UNKNOWN of a check the budget stopped before its verdict."""
    from solvent.check.verdicts import budget_words

    budget = float(settings.budget)

    during = f" during {stop.phase}" if stop.phase else ""
    before = seconds - stop.seconds  # Python's start, the imports, loading the spec
    if before > 0.5 * budget:
        during += f" ({before:.1f}s of it went before the check started)"
    message = (
        f"solver timeout: {budget_words(budget, settings.timeout is not None)} ran out{during}"
        ", which did not stop "
        f"by itself (a solver call past its own limits), so the check was stopped after "
        f"{stop.seconds:.1f}s ({stop.cpu:.1f}s of CPU). Next: a larger --timeout"
    )
    return _unfinished(check, spec, settings, seconds, message, _stop_json(stop, budget))
