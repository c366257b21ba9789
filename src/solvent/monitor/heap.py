"""The garbage collector's settings while a monitor's loop runs.

A monitor at venue scale holds millions of objects (100,000 accounts: their amounts,
breakpoints and heap entries), nearly all alive until the account changes again, and
freed by reference counting then. Python's cyclic collector would pass over them again
and again for nothing: a full collection over that heap stops the loop for 0.1-0.7 s, and
even the young collections, triggered every 700 net allocations, took 5-8% of a single
monitor's CPU at 100,000 accounts (measured with ``gc.callbacks``, see
benchmarks/results/monitor_scale.md, round 8). So, while a loop runs:

* ``gc.freeze()`` every ``every`` lines or records read: everything alive then leaves the
  collector's passes (reference counting still frees it; only a reference cycle among
  frozen objects would stay, and the monitor's state makes none);
* generation 0's threshold is at least :data:`GEN0` (10,000 net allocations instead of
  700): a young collection is then rare (none in 25,000 events of the benchmark) and
  short (its objects were allocated since the last freeze or collection).

The previous thresholds are restored when the loop ends (they are process-wide).
"""

from __future__ import annotations

import gc
import threading
from types import TracebackType

#: the least threshold of generation 0 while a monitor's loop runs
GEN0 = 10_000
#: lines (or records) read between two ``gc.freeze()``
FREEZE_EVERY = 20_000

_lock = threading.Lock()
_running = 0  # loops between start and stop
_saved = gc.get_threshold()  # the thresholds before the first of them started


class QuietHeap:
    """``with QuietHeap() as heap:`` (or ``start``/``stop``), ``heap.read(n)`` after each
    batch of ``n`` items."""

    def __init__(self, every: int | None = None, gen0: int | None = None) -> None:
        self.every = FREEZE_EVERY if every is None else every
        self.gen0 = GEN0 if gen0 is None else gen0
        self.since = 0
        self._old: tuple[int, int, int] | None = None

    def start(self) -> QuietHeap:
        """Raise generation 0's threshold (until :meth:`stop`). Loops running at once (in
        threads) share it: the first to start saves the thresholds, the last to stop puts
        them back."""
        global _saved, _running
        with _lock:
            if self._old is None:
                self._old = gc.get_threshold()
                if _running == 0:
                    _saved = self._old
                _running += 1
                if 0 < self._old[0] < self.gen0:
                    gc.set_threshold(self.gen0, *self._old[1:])
        return self

    def stop(self) -> None:
        """The thresholds as they were before the first running loop started."""
        global _running
        with _lock:
            if self._old is not None:
                self._old = None
                _running -= 1
                if _running == 0:
                    gc.set_threshold(*_saved)

    def __enter__(self) -> QuietHeap:
        return self.start()

    def read(self, n: int) -> None:
        """``n`` more items read: freeze the heap once ``every`` of them were read."""
        self.since += n
        if self.since >= self.every:
            gc.freeze()
            self.since = 0

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
