"""The aggregator's lean catch-up (``solvent.monitor.catch_up``) against the full recomputation.

``catch_up.put`` sets an account's breakpoint and flat deficit in a book's index from its
scaled integers, leaving the book's Fraction lists behind (they lag until ``Lag.fresh``).
On random streams of account changes (positions opened, flipped, closed, flat accounts
with negative quotes), fund changes and prices, after every event:

* the book's distance equals the Fraction walk (another algorithm, no index) on a book
  rebuilt from the true values, and its interval's ends are where the definition says
  (``excess`` computed account by account in Fractions: 0 at each end, > 0 just beyond);
* the invariant (every equity >= 0) equals the brute force over the true values;
* its keys and flat deficit equal those of the rebuilt book;
* after ``Lag.fresh`` the book's and the monitor's values are the true ones.

Profiles: small and derandomized in CI; ``SOLVENT_HYPOTHESIS=long`` runs 2,000 streams.
"""

from __future__ import annotations

from fractions import Fraction as F
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from monitor_helpers import profile
from test_monitor_deficit import _walked

from solvent.monitor import catch_up, deficit
from solvent.monitor.book import SCALE, PerpBook

N = 10
UNIT = SCALE // 100  # cents, in units of 10**-18

quote = st.integers(-400_000, 400_000).map(lambda k: k * UNIT)
size = st.one_of(st.just(0), st.integers(-300, 300).map(lambda k: k * UNIT))
event = st.one_of(
    st.tuples(st.just("account"), st.integers(0, N - 1), quote, size),
    st.tuples(st.just("fund"), st.integers(0, 5_000_000).map(lambda k: F(k, 100))),
    st.tuples(st.just("price"), st.integers(1, 800_000).map(lambda k: F(k, 100))),
    st.tuples(st.just("fresh"), st.lists(st.integers(0, N - 1), max_size=3)),
)  # fmt: skip


def _rebuilt(q: list[F], s: list[F], fund: F) -> PerpBook:
    book = PerpBook(N, F(8, 100))
    for a in range(N):
        book.set_account(a, q[a], s[a])
    book.set_fund(fund, F(0))
    return book


def _check(book: PerpBook, q: list[F], s: list[F], fund: F, p: F) -> None:
    ref = _rebuilt(q, s, fund)
    assert book.key == ref.key
    assert (book.flat_deficit, book.flat_negative, book.flat_negatives) == (
        ref.flat_deficit, ref.flat_negative, ref.flat_negatives)  # fmt: skip
    assert book.all_equity_nonnegative(p) == all(q[a] + s[a] * p >= 0 for a in range(N))
    got = book.distance(p)
    iv = _walked(ref, p)
    if iv is None:
        assert (got.down, got.up) == (0, 0) and ref.excess(p) > 0
        return
    lo, hi = iv
    assert got.down == (None if lo is None else lo / p - 1)
    assert got.up == (None if hi is None else hi / p - 1)
    eps = F(1, 10**12)
    if lo is not None:
        assert ref.excess(lo) == 0 < ref.excess(lo - eps * lo)
    if hi is not None:
        assert ref.excess(hi) == 0 < ref.excess(hi + eps * hi)


@pytest.mark.parametrize("load", [1, 2, deficit.LOAD])
@profile(60, long=2000)
@given(start=st.integers(1, 800_000), events=st.lists(event, min_size=1, max_size=40))
def test_lean_catch_up_equals_full_recomputation(load: int, start: int, events: list) -> None:
    """``load`` 1 and 2 split and drop the index's buckets all the time."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(deficit, "LOAD", load)
        _run(start, events)


def _run(start: int, events: list) -> None:
    book = PerpBook(N, F(8, 100))
    values = {"quote": list(book.quote), "size": list(book.size)}
    lag = catch_up.Lag(SimpleNamespace(book=book, values=values))
    q, s = [F(0)] * N, [F(0)] * N  # the true values
    fund, p = F(0), F(start, 100)
    for e in events:
        if e[0] == "account":
            _, a, qi, si = e
            lag.put([(a, (qi, si))])
            q[a], s[a] = F(qi, SCALE), F(si, SCALE)
        elif e[0] == "fund":
            fund = e[1]
            book.set_fund(fund, F(0))
        elif e[0] == "price":
            p = e[1]
        else:
            lag.fresh(e[1])
            for a in e[1]:
                assert book.quote[a] == values["quote"][a] == q[a]
                assert book.size[a] == values["size"][a] == s[a]
        _check(book, q, s, fund, p)
    lag.fresh()
    assert not lag.behind
    assert book.quote == values["quote"] == q and book.size == values["size"] == s
    fresh = _rebuilt(q, s, fund)
    assert book.distance(p) == fresh.distance(p)


def test_a_book_that_keeps_heaps_gets_the_whole_update() -> None:
    """Heaps read every size: with them kept, ``Lag.put`` puts the exact values in at once
    (and the heaps answer as a rebuilt book's)."""
    book = PerpBook(N, F(8, 100))
    values = {"quote": list(book.quote), "size": list(book.size)}
    lag = catch_up.Lag(SimpleNamespace(book=book, values=values))
    lag.put([(0, (-90 * SCALE, SCALE))])  # lags
    assert lag.behind == {0: None} and book.size[0] == 0
    book.liquidatable(F(100))  # the first reader keeps the heaps
    lag.put([(1, (-95 * SCALE, SCALE)), (2, (105 * SCALE, -SCALE))])
    assert not lag.behind and book.size[:3] == [1, 1, -1]
    assert book.liquidatable(F(100)) == [0, 1, 2]
