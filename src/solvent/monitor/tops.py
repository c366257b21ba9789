"""The highest long's and lowest short's bankruptcy prices of a :class:`PerpBook`, in heaps.

Longs are held as ``(-float b, -b, account)`` (the highest ``b`` on top), shorts as their
key ``(float b, b, account)``; an entry is live while ``_live[account]`` is that very
tuple, and stale entries are dropped when they reach the top or once they are half the
heap. Only a watched keeper's liquidation checks and the tops of a book whose amounts are
not all scaled decimals read them, so a book keeps them from their first reader on
(:meth:`Tops._keep_heaps`, O(N) once): until then an account change does not push.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from fractions import Fraction

from solvent.monitor.deficit import coprime

Entry = tuple[float, Fraction, int]


class Tops:
    """The heaps of a :class:`solvent.monitor.book.PerpBook` (its ``key`` and ``size``)."""

    n: int
    key: list[Entry | None]
    size: list[Fraction]
    _lh: list[Entry]
    _sh: list[Entry]
    _live: list[Entry | None]
    _counts: list[int]
    _heaps_kept = True  # a book of an older solvent kept them always

    def _compact(self, heap: list[Entry], side: int) -> None:
        """Drop the stale entries once they are half the heap (amortised O(1) a change)."""
        if len(heap) > 2 * self._counts[side] + 1024:
            live = self._live
            heap[:] = [e for e in heap if live[e[2]] is e]
            heapq.heapify(heap)

    def _keep_heaps(self) -> None:
        """Build the heaps from the keys (O(N), once) and keep them from now on."""
        if self._heaps_kept:
            return
        lh: list[Entry] = []
        sh: list[Entry] = []
        live: list[Entry | None] = [None] * self.n
        for entry in self.key:
            if entry is None:
                continue
            a = entry[2]
            if self.size[a] > 0:
                b = entry[1]
                live[a] = held = (-entry[0], coprime(-b.numerator, b.denominator), a)
                lh.append(held)
            else:
                live[a] = entry
                sh.append(entry)
        heapq.heapify(lh)
        heapq.heapify(sh)
        self._lh, self._sh, self._live = lh, sh, live
        self._counts = [len(lh), len(sh)]
        self._heaps_kept = True

    def _top(self, heap: list[Entry]) -> int | None:
        """The account on top of a heap (the highest long or lowest short), stale ones popped."""
        live = self._live
        while heap and live[heap[0][2]] is not heap[0]:
            heapq.heappop(heap)
        return heap[0][2] if heap else None

    def _in_order(self, heap: list[Entry]) -> Iterator[int]:
        """The accounts of a heap's live entries in heap order (O(k log k) for the first k)."""
        live = self._live
        frontier = [(heap[0], 0)] if heap else []
        while frontier:
            entry, i = heapq.heappop(frontier)
            for c in (2 * i + 1, 2 * i + 2):
                if c < len(heap):
                    heapq.heappush(frontier, (heap[c], c))
            if live[entry[2]] is entry:
                yield entry[2]
