"""The deficit index built in one pass when many accounts change before it is read.

A venue's monitor starts with a run of account lines (100,000 at a large venue: one per
open account) before anything reads the book's :class:`~solvent.monitor.deficit.DeficitIndex`:
an account change's own checks read the account alone (its equity, whether it is
liquidatable) and the excess at the probe prices, which the book keeps without the index;
the index is read at the next price event (the probes are set again), a fund event's
check, a distance the probes cannot decide, or a checkpoint. Inserting each breakpoint
when its account changes costs a bisection and a list insert in Python, about a fifth of
an account line.

:class:`DeferredIndex` keeps the insertions waiting (per account: the key and its
amounts) and puts them in when the index is first read: a few one by one, as
:meth:`DeficitIndex.add` does; many (:func:`worth_rebuilding`) by sorting them once with
the keys already in and cutting the sorted run into buckets (:func:`rebuild`), each
bucket's totals summed in C. Removing an account whose insertion still waits drops it
from the waiting ones. Every answer is the one of the same insertions made one by one:
the buckets differ (where they are cut), not the sorted keys, their weights or the sums
(``tests/monitor/test_monitor_bulk_index.py`` compares both on random streams).

An insertion waits only while the index holds few keys (:data:`SMALL`) or the waiting
ones are at least half as many as those held (a set-up under way); into a large index
otherwise it goes in at once, as before, so at venue scale nothing waits between two
prices and a price event does not pay for the account changes before it. Once the
waiting keys are in and it holds :data:`SMALL` or more, it is a plain index again (no
wrapper on the steady state's path). The sort (about 0.3 CPU s at 100,000 accounts, once)
is paid at the end of the set-up, not by the event after it: when every account of the
book has a key waiting (a venue's set-up: one line per open account) it is made by the
line that completes it; else (a shard's book, which holds a share of the accounts; a venue
with flat accounts) when the run loop's read comes back short (the source caught up with
its backlog: :func:`settle` from ``Monitor.caught_up``) or the source pauses (the idle
flush), and failing those by the first read. The aggregator's book waits for its first
read (:func:`until_read`).

A checkpoint pickles it as a plain :class:`DeficitIndex` with nothing waiting (the
format of every checkpoint so far); a monitor restored from one defers again.
"""

from __future__ import annotations

import copyreg
from operator import itemgetter
from typing import Any, cast

from solvent.monitor.deficit import LOAD, DeficitIndex, Key

#: keys per bucket of a rebuilt index (room to grow to ``2 * LOAD`` before a split)
REBUILT = LOAD
#: the fewest waiting insertions put in by a rebuild (fewer: one by one)
LEAST = 64
#: an index holding fewer keys always defers (a set-up read early on goes on deferring)
SMALL = 1024
_first = itemgetter(0)


def worth_rebuilding(waiting: int, held: int) -> bool:
    """Whether ``waiting`` insertions into an index of ``held`` keys are cheaper as one
    sort and rebuild than one by one. A rebuild touches every key, held or waiting (about
    2-3 us each at 100,000 keys: the sort, the new lists); an insertion one by one costs
    about 3-5 us (a bisection and a list insert in Python). So: only when the waiting keys
    are at least as many as those held (a venue's set-up: none held), never for the few
    account changes between two prices."""
    return waiting >= LEAST and waiting >= held


def rebuild(index: DeficitIndex, items: list[tuple[Key, int, int]]) -> None:
    """Put ``items`` (key, weight of Q, weight of S; weights as :meth:`DeficitIndex._weights`
    gives them, the base already counted) and the keys ``index`` holds into new buckets
    of :data:`REBUILT` keys, sorted once. ``index.size`` and the base are left as they are."""
    for keys, wq, ws in zip(index.keys, index.wq, index.ws, strict=True):
        items.extend(zip(keys, wq, ws, strict=True))
    if not items:
        return
    items.sort(key=_first)  # the index's order: the floats, ties by the exact key
    ks, qs, ss = zip(*items, strict=True)
    fs = [k[0] for k in ks]
    cuts = range(0, len(ks), REBUILT)
    index.keys = [list(ks[i : i + REBUILT]) for i in cuts]
    index.kf = [fs[i : i + REBUILT] for i in cuts]
    index.wq = [list(qs[i : i + REBUILT]) for i in cuts]
    index.ws = [list(ss[i : i + REBUILT]) for i in cuts]
    index.pq = [None] * len(cuts)
    index.ps = [None] * len(cuts)
    index.maxes = [bucket[-1] for bucket in index.keys]
    index.mf = [k[0] for k in index.maxes]
    index.tq = [sum(w) for w in index.wq]
    index.ts = [sum(w) for w in index.ws]
    index._cum = None


class DeferredIndex(DeficitIndex):
    """A :class:`DeficitIndex` whose insertions wait until it is read (see the module)."""

    def __init__(self, whole: int = 0) -> None:
        super().__init__()
        self.waiting: dict[int, tuple[Key, int, int]] = {}  # account -> (key, q, s)
        self.whole = whole  # the book's accounts: all waiting, the set-up is complete

    def add(self, key: Key, q: int, s: int) -> None:
        waiting = self.waiting
        held = self.size - len(waiting)
        if held >= SMALL and 2 * len(waiting) < held:  # no set-up under way: insert now
            DeficitIndex.add(self, key, q, s)
            return
        if key[2] in waiting:  # an account's second key (PerpBook removes first)
            self.put_in()
        self.waiting[key[2]] = (key, q, s)
        self.size += 1
        if len(self.waiting) == self.whole:  # every account set: the set-up's end, sort now
            self.put_in()

    def remove(self, key: Key, q: int, s: int) -> None:
        got = self.waiting.get(key[2])
        if got is not None and (got[0] is key or got[0] == key):
            del self.waiting[key[2]]
            self.size -= 1
            return
        DeficitIndex.remove(self, key, q, s)

    def put_in(self) -> None:
        """Insert every waiting key: one by one when few, else sorted in one pass. An
        index then holding :data:`SMALL` keys or more is a plain one from here on (its
        set-up is in: the steady state runs :class:`DeficitIndex`'s own code)."""
        waiting = self.waiting
        if waiting:
            self.waiting = {}
            if not worth_rebuilding(len(waiting), self.size - len(waiting)):
                self.size -= len(waiting)  # add() counts them again
                for key, q, s in waiting.values():
                    DeficitIndex.add(self, key, q, s)
            else:
                # the weights (see DeficitIndex._weights): a long's amounts go into the base
                items = [(k, -q, -s) if s > 0 else (k, q, s) for k, q, s in waiting.values()]
                self.base_q += sum(q for _, q, s in waiting.values() if s > 0)
                self.base_s += sum(s for _, _, s in waiting.values() if s > 0)
                rebuild(self, items)
        if self.size >= SMALL:
            del self.waiting, self.whole
            self.__class__ = DeficitIndex  # type: ignore[assignment]

    # every read puts the waiting keys in first (DeficitIndex's methods named, not super():
    # put_in may have made this a plain index)
    def under_water(self, key: Key) -> tuple[int, int]:
        if self.waiting:
            self.put_in()
        return DeficitIndex.under_water(self, key)

    def interval(self, c: int, price: Any) -> Any:
        if self.waiting:
            self.put_in()
        return DeficitIndex.interval(self, c, price)

    def _cumulative(self) -> tuple[list[int], list[int]]:
        if self.waiting:
            self.put_in()
        return DeficitIndex._cumulative(self)

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickled as a :class:`DeficitIndex` (a checkpoint's format), nothing waiting."""
        self.put_in()
        state = {k: v for k, v in self.__dict__.items() if k not in ("waiting", "whole")}
        return copyreg._reconstructor, (DeficitIndex, object, None), state  # type: ignore[attr-defined]


def deferred(book: Any) -> Any:
    """``book`` (a :class:`~solvent.monitor.book.PerpBook`, new or restored from a
    checkpoint) with its index's insertions deferred while it holds fewer than
    :data:`SMALL` keys (a large restored index stays plain); returned for chaining."""
    index: Any = book.index
    if type(index) is DeficitIndex and index.size < SMALL:
        index.__class__ = DeferredIndex
        cast(DeferredIndex, index).waiting = {}
        cast(DeferredIndex, index).whole = book.n
    return book


def until_read(book: Any) -> Any:
    """``book`` with its waiting insertions put in only when its index is read (not at the
    end of a set-up): the aggregator, whose probe sums decide most events without the
    index, so that its catch-up's insertions stay O(1) until a distance is asked
    (``benchmarks/results/monitor_scale.md``, round 22: put in at the set-up's end, its
    catch-up took 2.6x to 2.8x the CPU). Returned for chaining."""
    if isinstance(book.index, DeferredIndex):
        book.index.whole = 0
    return book


def settle(book: Any) -> None:
    """Put ``book``'s waiting insertions in now (the source is idle: the next event then
    does not wait for them)."""
    index: Any = book.index
    if getattr(index, "waiting", None):
        index.put_in()
