"""The one-process hot path (issue 21, round 7) stays exact.

* ``PerpBook.set_account`` skips the probe products of a side (the old or the new
  position) that certainly has no deficit at any probe price (a long whose bankruptcy
  price is below every probe, a short's above, a flat account with ``Q >= 0``). The kept
  excess at the probes equals the one computed from scratch (``set_probes`` on the same
  book) after every change of a random stream, including positions whose bankruptcy
  price is at, just inside or just outside a probe.
* ``events.fraction`` (the slots set in place on Python 3.11) equals ``Fraction(text)``.
* ``DeficitIndex.remove`` (the bucket and position found inline) leaves the same index
  as adding the remaining keys afresh.

Profiles: small and derandomized in CI; ``SOLVENT_HYPOTHESIS=long`` runs 1,000 streams.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction as F

from hypothesis import given
from hypothesis import strategies as st
from monitor_helpers import profile

from solvent.monitor import events as ev
from solvent.monitor.book import PerpBook
from solvent.monitor.deficit import ratio

PROFILE = profile(60)
N = 8
PRICE = F(100)
PROBES = (PRICE, PRICE * F(92, 100), PRICE * F(108, 100), PRICE * F(84, 100), PRICE * F(116, 100))

# bankruptcy prices around and exactly at the probes (b = -Q/S), and far away
bankruptcy = st.one_of(
    st.sampled_from([F(84), F(92), F(100), F(108), F(116), F(8399, 100), F(11601, 100)]),
    st.integers(1, 30_000).map(lambda k: F(k, 100)),
)
size = st.sampled_from([F(0), F(1, 2), F(-1, 2), F(3), F(-2), F(1, 100), F(-7, 4)])
change = st.tuples(st.integers(0, N - 1), bankruptcy, size, st.integers(-5_000, 5_000))


def _excess_from_scratch(book: PerpBook) -> list[int]:
    fresh = PerpBook(N, F(8, 100))
    for a in range(N):
        fresh.set_account(a, book.quote[a], book.size[a])
    fresh.set_fund(book.insurance, book.bad_debt)
    assert fresh.set_probes(PROBES)
    return fresh.probe_e


@PROFILE
@given(st.lists(change, min_size=1, max_size=40))
def test_probe_excess_equals_the_recomputation(stream: list[tuple[int, F, F, int]]) -> None:
    book = PerpBook(N, F(8, 100))
    book.set_fund(F(500), F(0))
    assert book.set_probes(PROBES)
    for a, b, s, flat_quote in stream:
        quote = -b * s if s else F(flat_quote, 100)  # flat: any quote, negative too
        book.set_account(a, quote, s)
        assert book.probe_x is not None
        assert book.probe_e == _excess_from_scratch(book), (a, b, s)


@PROFILE
@given(st.decimals(allow_nan=False, allow_infinity=False, places=None))
def test_fraction_equals_the_constructor(value: Decimal) -> None:
    got = ev.fraction(value)
    want = F(value)
    assert type(got) is F
    assert (got.numerator, got.denominator) == (want.numerator, want.denominator)
    assert hash(got) == hash(want) and got == want and str(got) == str(want)


@PROFILE
@given(st.integers(), st.integers().filter(bool))
def test_ratio_equals_the_constructor(n: int, d: int) -> None:
    """The bankruptcy price ``-q/s`` of scaled integers, without ``Fraction.__new__``."""
    got, want = ratio(n, d), F(n, d)
    assert type(got) is F
    assert (got.numerator, got.denominator) == (want.numerator, want.denominator)
    assert hash(got) == hash(want) and got == want and str(got) == str(want)


@PROFILE
@given(st.lists(st.tuples(bankruptcy, size), min_size=1, max_size=60), st.data())
def test_index_remove_equals_a_fresh_index(
    positions: list[tuple[F, F]], data: st.DataObject
) -> None:
    book = PerpBook(len(positions), F(8, 100))
    for a, (b, s) in enumerate(positions):
        book.set_account(a, -b * s, s)
    gone = data.draw(st.sets(st.integers(0, len(positions) - 1)))
    for a in sorted(gone):
        book.set_account(a, F(0), F(0))
    fresh = PerpBook(len(positions), F(8, 100))
    for a, (b, s) in enumerate(positions):
        if a not in gone:
            fresh.set_account(a, -b * s, s)
    got, want = book.index, fresh.index
    assert [k for ks in got.keys for k in ks] == [k for ks in want.keys for k in ks]
    assert (got.base_q, got.base_s, got.size) == (want.base_q, want.base_s, want.size)
    assert sum(got.tq) == sum(want.tq) and sum(got.ts) == sum(want.ts)
    for x in (F(1), F(84), F(100), F(116), F(10_000)):
        assert book.index.under_water((float(x), x, -1)) == fresh.index.under_water(
            (float(x), x, -1)
        )
