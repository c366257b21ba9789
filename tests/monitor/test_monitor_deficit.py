"""The incremental distance to insolvency equals the full recomputation after every event.

Random event streams (positions opened, changed, closed; the fund and bad debt changed;
the price moved) are applied to one :class:`PerpBook` kept incrementally (its
:class:`DeficitIndex`), and after every event its safe interval is compared with a book
built from scratch that finds it by the Fraction walk (another algorithm), and with the
definition itself (``excess`` is 0 at each end and positive just beyond).

Profiles: the CI default is small and derandomized; ``SOLVENT_HYPOTHESIS=long`` runs
2,000 streams per test.
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st
from monitor_helpers import profile

from solvent.monitor import deficit
from solvent.monitor.book import PerpBook

PROFILE = profile(60, long=2000)
N = 12

# decimals as events carry them (scaled), and a few that are not (the Fraction fallback)
amount = st.one_of(
    st.integers(-400_000, 400_000).map(lambda k: F(k, 100)),
    st.sampled_from([F(1, 3), F(-7, 3)]),
)
size = st.one_of(
    st.sampled_from([F(0), F(0)]),
    st.integers(-300, 300).map(lambda k: F(k, 100)),
)
event = st.one_of(
    st.tuples(st.just("account"), st.integers(0, N - 1), amount, size),
    st.tuples(st.just("fund"), st.integers(0, 5_000_000).map(lambda k: F(k, 100)),
              st.sampled_from([F(0), F(0), F(0), F(3)])),
    st.tuples(st.just("price"), st.integers(1, 800_000).map(lambda k: F(k, 100))),
)  # fmt: skip


def _fresh(book: PerpBook) -> PerpBook:
    new = PerpBook(book.n, book.mm)
    for a in range(book.n):
        new.set_account(a, book.quote[a], book.size[a])
    new.set_fund(book.insurance, book.bad_debt)
    return new


def _walked(book: PerpBook, p: F) -> tuple[F | None, F | None] | None:
    """The safe interval by the Fraction walk from ``p`` (no index)."""
    if book.bad_debt > 0:
        return None
    e0, down, up = book._at(p)
    if e0 > 0:
        return None
    return book._walk_down(p, e0, down), book._walk_up(p, e0, up)


def _check(book: PerpBook, p: F) -> None:
    """The monitor's distance at ``p`` equals the one from the walk on a fresh book, and the
    interval's ends are where the definition says."""
    got = book.distance(p)
    iv = _walked(_fresh(book), p)
    if iv is None:
        assert (got.down, got.up) == (0, 0)
        assert book.excess(p) > 0
        return
    lo, hi = iv
    assert got.down == (None if lo is None else lo / p - 1)
    assert got.up == (None if hi is None else hi / p - 1)
    eps = F(1, 10**12)
    assert book.excess(p) == 0
    if lo is not None:
        assert 0 < lo <= p and book.excess(lo) == 0 and book.excess(lo - eps * lo) > 0
    else:
        assert book.excess(p / 10**9) == 0
    if hi is not None:
        assert hi >= p and book.excess(hi) == 0 and book.excess(hi + eps * hi) > 0
    else:
        assert book.excess(p * 10**9) == 0


@pytest.mark.parametrize("load", [1, 2, deficit.LOAD])
@PROFILE
@given(start=st.integers(1, 800_000), events=st.lists(event, min_size=1, max_size=40))
def test_incremental_interval_equals_full_recomputation(
    load: int, start: int, events: list[tuple]
) -> None:
    """``load`` 1 and 2 split and drop buckets all the time (the Fenwick rebuilds)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(deficit, "LOAD", load)
        _run(start, events)


def _run(start: int, events: list[tuple]) -> None:
    book = PerpBook(N, F(8, 100))
    p = F(start, 100)
    for e in events:
        if e[0] == "account":
            book.set_account(e[1], e[2], e[3])
        elif e[0] == "fund":
            book.set_fund(e[1], e[2])
        else:
            p = e[1]
        _check(book, p)


def test_index_over_many_accounts_with_splits() -> None:
    """Thousands of positions (many buckets), each changed again: equal to the walk."""
    import random

    rng = random.Random(21)
    n = 3000
    book = PerpBook(n, F(8, 100))
    for a in range(n):
        s = F(rng.randint(1, 500), 100) * rng.choice((1, -1))
        lev = rng.choice((2, 3, 5, 10, 20, 50))
        book.set_account(a, -s * 2000 + abs(s) * F(2000, lev), s)
    book.set_fund(F(rng.randint(0, 200_000)), F(0))
    assert len(book.index.keys) > 5
    for k in range(200):
        a = rng.randrange(n)
        s = F(rng.randint(-500, 500), 100)
        book.set_account(a, -s * 2000 + abs(s) * F(2000, rng.choice((2, 5, 30))), s)
        if k % 20 == 0:
            _check(book, F(rng.randint(150_000, 250_000), 100))


def test_checkpoint_from_before_the_index_is_rebuilt() -> None:
    """A snapshot whose book has no index (an older solvent) restores to an exact book."""
    from solvent.models import perp_isolated
    from solvent.monitor.core import Monitor, Options

    spec = perp_isolated.build(accounts=3, maintenance_margin="0.08", max_move="0.08")
    m = Monitor(spec, [], Options(detector="none"))
    lines = [
        b'{"type":"price","ts":0,"seq":1,"price":"2000"}',
        b'{"type":"insurance","ts":0,"seq":2,"balance":"50"}',
        b'{"type":"account","ts":1,"seq":3,"account":0,"set":{"quote":"-1800","size":"1"}}',
    ]
    for raw in lines:
        m.feed(raw)
    snap = m.snapshot()
    old = snap["book"]
    del old.index  # what an older checkpoint's book looks like
    fresh = Monitor(spec, [], Options(detector="none"))
    fresh.restore(snap)
    assert fresh.book is not None and hasattr(fresh.book, "index")
    assert fresh.book.distance(F(2000)) == _fresh(m.book).distance(F(2000))
