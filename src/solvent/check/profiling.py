"""``SOLVENT_PROFILE=PATH``: a cProfile of each process a check forks, for developers.

A check runs in a forked process (``check/watchdog.py``) that forks its first attempt,
the portfolio's members and the bounded derivation of a counterexample
(``check/first_attempt.py``): a profile of the command's own process sees none of their
work. With the variable set, each of those processes writes its profile to
``PATH.LABEL.PID`` (``LABEL``: ``check``, ``first-attempt``, ``member``, ...) when it
ends, readable with ``python -m pstats`` or ``snakeviz``. Nothing changes without it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

ENV = "SOLVENT_PROFILE"


def target(label: str) -> str | None:
    """The file this process's profile goes to (None: profiling is off)."""
    base = os.environ.get(ENV)
    if not base:
        return None
    return f"{base}.{re.sub(r'[^A-Za-z0-9]+', '-', label).strip('-')}.{os.getpid()}"


def start(label: str) -> Callable[[], None]:
    """Start profiling this process; the function returned writes the profile (call it
    before the last answer goes out: the parent may kill the process as soon as it has
    it). Does nothing when ``SOLVENT_PROFILE`` is not set."""
    path = target(label)
    if path is None:
        return lambda: None
    import cProfile

    prof = cProfile.Profile()
    prof.enable()

    def finish() -> None:
        prof.disable()
        prof.dump_stats(path)

    return finish


@contextmanager
def profiled(label: str) -> Iterator[None]:
    """Profile the block when ``SOLVENT_PROFILE`` is set (written even if it raises)."""
    finish = start(label)
    try:
        yield
    finally:
        finish()
