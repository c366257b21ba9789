"""The highest long's and lowest short's bankruptcy prices of a :class:`PerpBook`, in heaps.

Longs are held as ``(-float b, -b, account)`` (the highest ``b`` on top), shorts as their
key ``(float b, b, account)``; an entry is live while ``_live[account]`` is that very
tuple. An account change leaves its old entry in the heap (*stale*, lazy deletion); a
stale entry is dropped for good the first time a reader meets it: the readers pop the
heap's top entries (:meth:`Tops._run`), drop the stale ones, and push the live ones back,
so each stale entry costs one pop in all, not one visit per read (round 24: in a crash's
liquidations every liquidated account leaves a stale entry among the deepest, which each
read walked again before). Stale entries are also dropped all at once when they are half
the heap (:meth:`Tops._compact`), which bounds the heap at twice the live entries.

Only a watched keeper's liquidation checks, an invariant's alert (the accounts below zero
equity, :meth:`Tops.below_zero`) and the tops of a book whose amounts are not all scaled
decimals read them, so a book keeps them from their first reader on
(:meth:`Tops._keep_heaps`, O(N) once): until then an account change does not push.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
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
    flat_negatives: set[int]
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

    def _run(self, heap: list[Entry], beyond: Callable[[Fraction], bool], k: int) -> list[int]:
        """The first ``k`` accounts of a heap's live entries, in heap order, while
        ``beyond(b)`` holds for their bankruptcy price ``b``; the stale entries met on the
        way are dropped (see the module): O((k + s) log N) for ``s`` stale entries, each
        of which is then gone."""
        live, key = self._live, self.key
        taken: list[Entry] = []
        while heap and len(taken) < k:
            top = heap[0]
            a = top[2]
            if live[a] is not top:
                heapq.heappop(heap)  # stale: dropped for good
            elif beyond(key[a][1]):  # type: ignore[index]
                taken.append(heapq.heappop(heap))
            else:
                break
        for entry in taken:  # the live ones back (each below the rest: O(log N) a push)
            heapq.heappush(heap, entry)
        return [e[2] for e in taken]

    def below_zero(self, price: Fraction, k: int) -> list[int]:
        """Up to ``k`` accounts below zero equity at ``price``, the deepest first: the longs
        whose bankruptcy price is above it (highest first), then the shorts whose
        bankruptcy price is below it (lowest first), then flat accounts with a negative
        quote (lowest account first). O((k + s) log N) with ``s`` stale entries dropped on
        the way, once the heaps are kept (O(N) once, at the first reader)."""
        self._keep_heaps()
        out = self._run(self._lh, lambda b: b > price, k)  # long: Q + S P < 0 <=> P < b
        if len(out) < k:
            out += self._run(self._sh, lambda b: b < price, k - len(out))  # short: P > b
        if len(out) < k:
            out += heapq.nsmallest(k - len(out), self.flat_negatives)
        return out
