"""Turns of the tests on pytest-xdist workers (``SOLVENT_TEST_WORKERS=N bash scripts/test``).

A test marked ``serial`` is timed against the wall clock, so it runs while no other test
runs: every test holds a shared lock on one file of the run and a serial test an exclusive
one, and a serial test first takes a gate that keeps the other workers from starting new
tests while it waits (or it could wait for ever behind them). The locks are POSIX record
locks (``fcntl.lockf``): a process that a test forks does not inherit them, so one left
running cannot hold up the run. ``tests/conftest.py`` takes a turn around every test.
"""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path


@contextmanager
def _locked(path: Path, mode: int) -> Iterator[None]:
    with open(path, "a+b") as held:
        fcntl.lockf(held, mode)
        try:
            yield
        finally:
            fcntl.lockf(held, fcntl.LOCK_UN)


@contextmanager
def turn(run: str, serial: bool) -> Iterator[None]:
    """Hold the turn of one test of the run ``run``: alone if ``serial``, else shared."""
    base = Path(tempfile.gettempdir()) / f"solvent-tests-{run}"
    gate, turns = base.with_suffix(".gate"), base.with_suffix(".run")
    with ExitStack() as held:
        if serial:
            with _locked(gate, fcntl.LOCK_EX):  # no new test starts while this one waits
                held.enter_context(_locked(turns, fcntl.LOCK_EX))
        else:
            with _locked(gate, fcntl.LOCK_SH):
                pass  # waits while a serial test waits for its turn
            held.enter_context(_locked(turns, fcntl.LOCK_SH))
        yield
