"""Helpers the stress tests share (imported as ``stress_helpers``; pytest puts this folder
on ``sys.path``)."""

from __future__ import annotations

from solvent.stress.runner import Progress


class StopAfter(Progress):
    """A progress callback that interrupts the run (``KeyboardInterrupt``) after ``chunks``
    finished chunks, as Ctrl-C would."""

    def __init__(self, chunks: int) -> None:
        self.left = chunks

    def advance(self, paths: int) -> None:
        self.left -= 1
        if self.left == 0:
            raise KeyboardInterrupt


class Counted:
    """A clock that advances one second each time it is read (``budget.clock``'s stand-in:
    deadlines without the wall clock)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now
