"""The isolated perp's closed forms against brute force (exact arithmetic)."""

from __future__ import annotations

import random
from fractions import Fraction as F

import pytest

from solvent.monitor.book import PerpBook


def _random_book(rng: random.Random) -> tuple[PerpBook, F]:
    n = rng.randint(1, 7)
    book = PerpBook(n, F(5, 100))
    for a in range(n):
        book.set_account(a, F(rng.randint(-3000, 3000)), F(rng.choice([-2, -1, 0, 1, 2, 3])))
    # move some accounts twice: the sorted lists must drop the old entry
    for a in rng.sample(range(n), k=min(n, 2)):
        book.set_account(
            a, F(rng.randint(-3000, 3000), rng.randint(1, 3)), F(rng.choice([-1, 0, 2]))
        )
    book.set_fund(F(rng.randint(0, 500)), F(rng.choice([0, 0, 0, 5])))
    return book, F(rng.randint(500, 4000))


@pytest.mark.parametrize("seed", range(4))
def test_safe_interval_is_exactly_where_bad_debt_stays_within_the_fund(seed: int) -> None:
    rng = random.Random(seed)
    tiny = F(1, 10**6)
    for _ in range(300):
        book, p = _random_book(rng)
        d = book.distance(p)
        if book.excess(p) > 0:
            assert d.value == 0
            continue
        lo, hi = book.interval(p)  # type: ignore[misc]
        if lo is None:
            assert book.excess(tiny) <= 0  # no crash to any positive price leaves bad debt
        else:
            assert 0 < lo <= p and book.excess(lo) <= 0 < book.excess(lo - tiny)
            assert d.down == lo / p - 1
        if hi is None:
            assert book.excess(F(10**9)) <= 0
        else:
            assert hi >= p and book.excess(hi) <= 0 < book.excess(hi + tiny)
            assert d.up == hi / p - 1
        sides = [abs(x) for x in (d.down, d.up) if x is not None]
        assert d.value == (min(sides) if sides else None)


@pytest.mark.parametrize("seed", range(2))
def test_equity_and_liquidation_sets_match_their_definitions(seed: int) -> None:
    rng = random.Random(100 + seed)
    for _ in range(300):
        book, p = _random_book(rng)
        n = book.n
        equity = [book.quote[a] + book.size[a] * p for a in range(n)]
        assert book.all_equity_nonnegative(p) == all(e >= 0 for e in equity)
        if book.all_equity_nonnegative_fast(float(p)):  # float says "certainly": it must be so
            assert all(e > 0 or book.size[a] == 0 for a, e in enumerate(equity))
        below = [a for a in range(n) if equity[a] < book.mm * abs(book.size[a]) * p]
        assert book.liquidatable(p) == below


def test_float_fast_path_defers_to_exact_at_the_boundary() -> None:
    book = PerpBook(1, F(5, 100))
    book.set_account(0, F(-1999), F(1))  # bankrupt at exactly 1999
    assert book.all_equity_nonnegative(F(1999)) and not book.all_equity_nonnegative(
        F(1999) - F(1, 10**12)
    )
    assert not book.all_equity_nonnegative_fast(
        1999.0
    )  # too close for floats: the exact check decides
    assert book.all_equity_nonnegative_fast(1999.01)


def test_known_answer_single_long() -> None:
    """A 10x long of 1 at 1000 with quote -900: bankrupt at 900, i.e. after a -10% gap;
    with a fund of 50 the bad debt beyond the fund starts at 850 (-15%)."""
    book = PerpBook(1, F(5, 100))
    book.set_account(0, F(-900), F(1))
    assert book.distance(F(1000)).value == F(1, 10)
    book.set_fund(F(50), F(0))
    d = book.distance(F(1000))
    assert d.down == F(-15, 100) and d.up is None and d.side == "down"
    assert (
        book.liquidatable(F(947)) == [0] and book.liquidatable(F(948)) == []
    )  # 900 / 0.95 = 947.37


def test_integer_walk_equals_the_fraction_walk() -> None:
    """Decimal positions use the integer walk; it must give the Fraction walk's interval."""
    rng = random.Random(9)
    checked = 0
    for _ in range(400):
        n = rng.randint(1, 8)
        book = PerpBook(n, F(5, 100))
        for a in range(n):
            book.set_account(
                a, F(rng.randint(-300000, 300000), 100), F(rng.choice([-25, -10, 0, 5, 10, 30]), 10)
            )
        book.set_fund(F(rng.randint(0, 50000), 100), F(rng.choice([0, 0, 0, 5])))
        p = F(rng.randint(50000, 400000), 100)
        assert book.not_scaled == 0
        fast = book.interval(p)
        e0, dn, up = book._at(p)
        slow = None if e0 > 0 else (book._walk_down(p, e0, dn), book._walk_up(p, e0, up))
        assert fast == slow
        checked += slow is not None
    assert checked > 40


@pytest.mark.parametrize("seed", range(3))
def test_binary_search_over_many_accounts_equals_the_walk(seed: int) -> None:
    """Hundreds of accounts and a large fund: the crossing lies past many breakpoints, found
    by the deficit index's descent; it equals the Fraction walk."""
    rng = random.Random(seed)
    n = 300
    book = PerpBook(n, F(5, 100))
    for a in range(n):
        size = F(rng.randint(1, 500), 100) * rng.choice((1, -1))
        lev = rng.choice((2, 4, 5, 8, 10, 20))
        quote = -size * 2000 + abs(size) * F(2000, lev) + F(rng.randint(-500, 500), 100)
        book.set_account(a, quote, size)
    if seed == 2:  # a few accounts under water on each side: the merge walks run instead
        book.set_account(0, F(-2100), F(1))
        book.set_account(1, F(1900), F(-1))
    book.set_fund(F(rng.randint(1000, 20000)), F(0))
    p = F(2000)
    assert book.not_scaled == 0
    fast = book.interval(p)
    e0, dn, up = book._at(p)
    slow = None if e0 > 0 else (book._walk_down(p, e0, dn), book._walk_up(p, e0, up))
    assert fast == slow and fast is not None
    lo, hi = fast
    assert lo is not None and hi is not None
    below = sum(1 for _, b, _ in book.longs if lo < b < p)
    assert below > 16  # the crossing lies past many breakpoints (the index's search)
    assert book.excess(lo) == 0 < book.excess(lo - F(1, 10**9))
    assert book.excess(hi) == 0 < book.excess(hi + F(1, 10**9))


@pytest.mark.parametrize("seed", range(3))
def test_heaps_built_at_their_first_reader_then_kept_answer_as_brute_force(seed: int) -> None:
    """A book pushes nothing onto its heaps until the tops or the liquidatable set are
    first read (then builds them from the keys and keeps them): before, at and after that
    read, and against a book that kept them from the start, the answers are the
    definitions' (amounts with more places than the scaled decimals included)."""
    rng = random.Random(200 + seed)
    n, mm = 30, F(8, 100)
    lazy, eager = PerpBook(n, mm), PerpBook(n, mm)
    eager._keep_heaps()
    assert not lazy._heaps_kept and eager._heaps_kept

    def change() -> None:
        a = rng.randrange(n)
        q = F(rng.randint(-4000, 4000), rng.choice([1, 1, 3, 10**19]))
        s = F(rng.choice([-3, -1, 0, 0, 1, 2]), rng.choice([1, 2]))
        for book in (lazy, eager):
            book.set_account(a, q, s)

    for step in range(400):
        change()
        if step < 60:
            assert lazy._lh == [] and lazy._sh == []  # nothing pushed yet
            continue
        p = F(rng.randint(500, 4000))
        equity = [lazy.quote[a] + lazy.size[a] * p for a in range(n)]
        want = sorted(
            a for a in range(n) if equity[a] < mm * abs(lazy.size[a]) * p
        )  # below maintenance
        assert lazy.liquidatable(p) == eager.liquidatable(p) == want
        assert lazy._heaps_kept
        for book in (lazy, eager):
            book._refresh_floats()
            longs = [lazy.key[a][1] for a in range(n) if lazy.size[a] > 0]  # type: ignore[index]
            shorts = [lazy.key[a][1] for a in range(n) if lazy.size[a] < 0]  # type: ignore[index]
            assert book.eq_lo == (max(longs) if longs else None)
            assert book.eq_hi == (min(shorts) if shorts else None)


@pytest.mark.parametrize("seed", range(3))
def test_below_zero_is_the_deepest_first_and_drops_the_stale_entries_it_meets(seed: int) -> None:
    """``below_zero`` (what an invariant's alert names) is the definition's order: longs by
    highest bankruptcy price, shorts by lowest, flat accounts with a negative quote; a crash's
    liquidations leave stale entries among the deepest, and a read drops every stale entry
    it meets for good (round 24), so none is left in front of what it returned."""
    rng = random.Random(300 + seed)
    n, mm = 120, F(8, 100)
    book = PerpBook(n, mm)
    for a in range(n):
        book.set_account(a, F(rng.randint(-4000, 1000), 10), F(rng.choice([-3, -1, 1, 2])))
    book._keep_heaps()
    for _ in range(300):
        a = rng.randrange(n)
        if rng.random() < 0.6:  # liquidated: flat, what is left (sometimes below 0)
            book.set_account(a, F(rng.choice([0, 0, 5, -7])), F(0))
        else:
            book.set_account(a, F(rng.randint(-4000, 1000), 10), F(rng.choice([-3, -1, 1, 2])))
        p = F(rng.randint(50, 300))
        eq = [book.quote[x] + book.size[x] * p for x in range(n)]
        gone = [x for x in range(n) if eq[x] < 0]
        b = {x: -book.quote[x] / book.size[x] for x in gone if book.size[x]}
        longs = sorted((x for x in b if book.size[x] > 0), key=lambda x: (-b[x], x))
        shorts = sorted((x for x in b if book.size[x] < 0), key=lambda x: (b[x], x))
        flat = sorted(x for x in gone if not book.size[x])
        k = rng.choice([1, 3, 10, n])
        got = book.below_zero(p, k)
        assert got == (longs + shorts + flat)[:k]
        assert book.liquidatable(p) == sorted(
            x for x in range(n) if eq[x] < mm * abs(book.size[x]) * p
        )
        for heap, side in ((book._lh, [x for x in got if x in longs]),
                           (book._sh, [x for x in got if x in shorts])):  # fmt: skip
            if side:
                last = book._live[side[-1]]
                assert all(book._live[e[2]] is e for e in heap if e <= last)  # type: ignore[operator]
