"""The aggregator's catch-up: deferred accounts into its book's index, from integers.

The aggregator (:mod:`solvent.monitor.probe_sums`) holds every account's amounts as
integers in units of ``10**-18`` and defers the changes its probe sums decide. What its
distance to insolvency and its invariant read of an account is the account's breakpoint
``b = -Q/S`` with its weights ``(Q, S)`` in the book's :class:`~solvent.monitor.deficit.DeficitIndex`
and, for a flat account, ``max(0, -Q)`` (the book's flat deficit): :func:`put` sets exactly
those, from the integers. The rest of :meth:`~solvent.monitor.book.PerpBook.set_account`
(both amounts converted back into Fractions in lowest terms, the monitor's values and
the book's Fraction lists set, the amounts scaled again) was about half of the catch-up
and is left for later: those exact values *lag*. :class:`Lag` keeps which accounts lag
and puts their exact values in when something reads them (:meth:`Lag.fresh`): before
the monitor applies an event of that account, before it reads the whole state (an audit,
a violated invariant's report, a snapshot: :class:`~solvent.monitor.state.Lagging`), when
the sums turn off, and at the end.

While accounts lag, the book answers from its index only: the distance, the invariant
(every amount a scaled decimal, so :meth:`PerpBook.all_equity_nonnegative` asks the index),
one account's equity (its integers). Its heaps (the keeper's liquidation checks) read the
sizes, so a book that keeps heaps gets the whole :meth:`PerpBook.set_account` (the
aggregator does not watch the keeper: the shards do, and their alerts are forwarded).
"""

from __future__ import annotations

from math import gcd
from typing import Any

from solvent.monitor.book import SCALE, PerpBook
from solvent.monitor.deficit import coprime, ratio, to_float


def put(book: PerpBook, a: int, q: int, s: int) -> None:
    """Account ``a``'s breakpoint and flat deficit for the scaled amounts ``q``, ``s`` (its
    old ones out), as :meth:`PerpBook.set_account` sets them; ``book.quote[a]`` and
    ``book.size[a]`` are left as they were. The book holds only scaled amounts and no heaps."""
    key, qi, si = book.key, book.qi, book.si
    old, q0 = key[a], qi[a]
    if old is not None:
        book.index.remove(old, q0, si[a])  # type: ignore[arg-type]
    elif q0 < 0:  # type: ignore[operator]
        book.flat_deficit -= ratio(-q0, SCALE)  # type: ignore[operator]
        book.flat_negative -= 1
        book.flat_negatives.discard(a)
    qi[a], si[a] = q, s
    if s:
        b = ratio(-q, s)
        try:  # int / int is correctly rounded: float(b) without the Fraction
            entry = (-q / s, b, a)
        except OverflowError:
            entry = (to_float(b), b, a)
        key[a] = entry
        book.index.add(entry, q, s)
    else:
        key[a] = None
        if q < 0:
            book.flat_deficit += ratio(-q, SCALE)
            book.flat_negative += 1
            book.flat_negatives.add(a)


def exact(n: int) -> Any:
    """``Fraction(n, SCALE)`` in lowest terms (Fraction's own form, without its checks)."""
    g = gcd(n, SCALE)
    return coprime(n // g, SCALE // g)


class Lag:
    """The accounts whose exact values (the monitor's ``quote``/``size``, the book's
    Fraction lists) are behind the book's index, in the order they fell behind."""

    def __init__(self, monitor: Any) -> None:
        self.m = monitor
        self.behind: dict[int, None] = {}

    def put(self, items: list[tuple[int, tuple[int, int]]]) -> None:
        """The deferred accounts ``(a, (q, s))`` into the book: their index entries now,
        their exact values when read."""
        book = self.m.book
        if book._heaps_kept:  # the heaps read every size: the whole update
            self.fresh()
            for a, (q, s) in items:
                fq, fs = exact(q), exact(s)
                self.m.values["quote"][a], self.m.values["size"][a] = fq, fs
                book.set_account(a, fq, fs)
            return
        behind = self.behind
        for a, (q, s) in items:
            put(book, a, q, s)
            behind[a] = None
        book._sides = None  # the sorted views, the interval, the tops: found when read
        book._interval = None
        book._tops_stale = True

    def fresh(self, accounts: Any = None) -> None:
        """Put the exact values of ``accounts`` (all that lag when None) in."""
        behind = self.behind
        if not behind:
            return
        if accounts is None:
            todo = list(behind)
            behind.clear()
        else:
            todo = []
            for a in accounts:
                if a in behind:
                    del behind[a]
                    todo.append(a)
        book, vq, vs = self.m.book, self.m.values["quote"], self.m.values["size"]
        qi, si = book.qi, book.si
        for a in todo:
            vq[a] = book.quote[a] = exact(qi[a])
            vs[a] = book.size[a] = exact(si[a])
