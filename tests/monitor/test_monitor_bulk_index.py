"""The deficit index built in one pass (``monitor/bulk_index.py``) answers as the index
built one insertion at a time.

A monitor's book keeps its insertions waiting until the index is read (a venue's set-up:
one line per account, then a price), then sorts them once. On random streams (account
changes, removals, reads between them) the deferred index and the plain one hold the same
keys in the same order with the same weights and base, answer every query alike, and a
monitor with either raises the same alerts with the same distance after every event.

Profiles: small and derandomized in CI; ``SOLVENT_HYPOTHESIS=long`` runs 1,000 streams.
"""

from __future__ import annotations

import pickle
from fractions import Fraction as F
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from monitor_helpers import cents, event_line, insurance_event, price_event, profile, sizes

from solvent.models import perp_isolated
from solvent.monitor import bulk_index, deficit, runner
from solvent.monitor.book import PerpBook
from solvent.monitor.core import Monitor, Options

PROFILE = profile(40)
N = 90  # more than bulk_index.LEAST: a set-up of every account is put in by a rebuild

amount = st.integers(-400_000, 400_000).map(lambda k: F(k, 100))
size = st.one_of(st.just(F(0)), st.integers(-300, 300).map(lambda k: F(k, 100)))
#: ("set", account, quote, size) or ("read", price, c): the index is read there
step = st.one_of(
    st.tuples(st.just("set"), st.integers(0, N - 1), amount, size),
    st.tuples(st.just("read"), st.integers(1, 800_000).map(lambda k: F(k, 100)),
              st.integers(-10**24, 10**24)),
)  # fmt: skip
#: when a rebuild puts the waiting keys in: always, the default, never
least = st.sampled_from([0, bulk_index.LEAST, 10**9])


def _flat(index: deficit.DeficitIndex) -> list[tuple[Any, ...]]:
    return [
        (k, q, s)
        for ks, wq, ws in zip(index.keys, index.wq, index.ws, strict=True)
        for k, q, s in zip(ks, wq, ws, strict=True)
    ]


def _same(got: deficit.DeficitIndex, want: deficit.DeficitIndex, price: F, c: int) -> None:
    assert got.size == want.size
    key = (float(price), price, -1)
    assert got.under_water(key) == want.under_water(key)  # read: nothing waits
    assert (got.base_q, got.base_s) == (want.base_q, want.base_s)
    assert got.interval(c, price) == want.interval(c, price)
    assert _flat(got) == _flat(want)
    assert sum(got.tq) == sum(want.tq) and sum(got.ts) == sum(want.ts)
    if got.size:  # no empty bucket, each bucket's last key its max
        for ks, mx in zip(got.keys, got.maxes, strict=True):
            assert ks and ks[-1] == mx


@PROFILE
@given(
    st.lists(step, min_size=1, max_size=80), least, st.sampled_from([1, 10, 10**9]), st.booleans()
)
def test_a_deferred_index_answers_as_one_built_by_insertions(
    steps: list[tuple[Any, ...]], at_least: int, small: int, setup: bool
) -> None:
    """``small``: below it the index always defers (1: only during a set-up)."""
    old = bulk_index.LEAST, bulk_index.SMALL
    bulk_index.LEAST, bulk_index.SMALL = at_least, small
    try:
        got = bulk_index.deferred(PerpBook(N, F(8, 100)))
        want = PerpBook(N, F(8, 100))
        assert type(got.index) is bulk_index.DeferredIndex
        if setup:  # a venue's set-up: every account, nothing read until the end
            for a in range(N):
                q, s = F(1000 - 37 * a, 4), F((a % 7) - 3, 2)
                got.set_account(a, q, s)
                want.set_account(a, q, s)
        for e in steps:
            if e[0] == "set":
                got.set_account(*e[1:])
                want.set_account(*e[1:])
            else:
                _same(got.index, want.index, e[1], e[2])
        _same(got.index, want.index, F(100), 0)
        assert not getattr(got.index, "waiting", None)
        # a checkpoint holds a plain index, the same
        back = pickle.loads(pickle.dumps(got.index))
        assert type(back) is deficit.DeficitIndex
        _same(back, want.index, F(100), 0)
    finally:
        bulk_index.LEAST, bulk_index.SMALL = old


def _healthy(a: int, equity: int, size: str) -> tuple[Any, ...]:
    """An account with ``equity`` cents at the price 2,000 (now and then under water)."""
    return ("account", a, f"{(equity - float(size) * 200_000) / 100:.2f}", size)


open_size = st.sampled_from(["0.5", "-0.5", "1.25", "-2", "3", "-0.01", "0"])
#: a venue's set-up: one line per account (0, 1, 2, ...), at most one of them under water
setup_events = st.tuples(
    st.lists(st.tuples(st.integers(1, 300_000), open_size), min_size=N - 10, max_size=N),
    st.one_of(st.none(), st.integers(0, N - 1)),
).map(lambda x: [_healthy(a, -500 if a == x[1] else e, s) for a, (e, s) in enumerate(x[0])])
later = st.one_of(
    st.tuples(st.just("account"), st.integers(0, N - 1), cents, sizes), price_event,
    insurance_event,
)  # fmt: skip


def _monitor(plain: bool) -> Monitor:
    spec = perp_isolated.build(name="bulk", accounts=N, max_move="0.08")
    m = Monitor(spec, [], Options(detector="none", critical_distance=F(5, 100)))
    if plain:  # the index built one insertion at a time
        assert m.book is not None and not m.book.index.size
        m.book.index = deficit.DeficitIndex()
    return m


@PROFILE
@given(
    st.integers(5_000_000, 20_000_000).map(lambda k: ("insurance", f"{k / 100:.2f}")),
    setup_events,
    st.lists(later, max_size=40),
    least,
)
def test_a_monitor_with_a_deferred_index_raises_the_same_alerts(
    fund: tuple[Any, ...], accounts: list[tuple[Any, ...]], rest: list[tuple[Any, ...]],
    at_least: int,
) -> None:  # fmt: skip
    old = bulk_index.LEAST
    bulk_index.LEAST = at_least
    try:
        _same_alerts(fund, accounts, rest)
    finally:
        bulk_index.LEAST = old


def _same_alerts(
    fund: tuple[Any, ...], accounts: list[tuple[Any, ...]], rest: list[tuple[Any, ...]]
) -> None:
    got, want = _monitor(False), _monitor(True)
    assert type(got.book.index) is bulk_index.DeferredIndex  # type: ignore[union-attr]
    stream = [("price", "2000.00"), fund, *accounts, ("price", "1990.00"), *rest]
    for i, e in enumerate(stream):
        line = event_line(i, e)
        a, b = got.feed(line), want.feed(line)
        assert [x.to_json() for x in a[0]] == [x.to_json() for x in b[0]], (i, e)
        assert a[1] == b[1]
        assert (got.distance_level, got.violated, got.pending) == (
            want.distance_level, want.violated, want.pending,
        )  # fmt: skip
    # the gauge, read (and the index read for it) only now: every line's checks above ran
    # without it, as they do in a run
    assert (got.distance_f, got.distance_side) == (want.distance_f, want.distance_side)
    assert got.book is not None and want.book is not None
    _same(got.book.index, want.book.index, F(2000), 0)


def test_a_venue_set_up_is_put_in_by_one_sort(monkeypatch: pytest.MonkeyPatch) -> None:
    """200 account lines then a price: no insertion one by one, one rebuild, made by the
    line that sets the last of the 200 accounts (the set-up's end), not by the price."""
    calls = {"add": 0, "rebuild": 0}
    add, rebuild = deficit.DeficitIndex.add, bulk_index.rebuild

    def counted_add(self: Any, *args: Any) -> None:
        calls["add"] += 1
        add(self, *args)

    def counted_rebuild(*args: Any) -> None:
        calls["rebuild"] += 1
        rebuild(*args)

    monkeypatch.setattr(deficit.DeficitIndex, "add", counted_add)
    monkeypatch.setattr(bulk_index, "rebuild", counted_rebuild)
    spec = perp_isolated.build(name="venue", accounts=200, max_move="0.08")
    m = Monitor(spec, [], Options(detector="none"))
    lines = [event_line(0, ("price", "2000.00")), event_line(1, ("insurance", "50000.00"))]
    for a in range(200):
        long = a % 3 == 0  # equity 200 at 2,000 either way: above maintenance
        lines.append(event_line(2 + a, ("account", a, "-800.00" if long else "1200.00",
                                        "0.5" if long else "-0.5")))  # fmt: skip
    for x in lines[:-1]:
        assert m.feed(x) == ([], [])
    assert m.book is not None and len(m.book.index.waiting) == 199  # type: ignore[attr-defined]
    assert calls == {"add": 0, "rebuild": 0}
    assert m.feed(lines[-1]) == ([], [])
    assert calls == {"add": 0, "rebuild": 1} and not m.book.index.waiting  # type: ignore[attr-defined]
    m.feed(event_line(len(lines), ("price", "2010.00")))
    assert calls == {"add": 0, "rebuild": 1}
    assert m.book.index.size == 200 and not m.book.index.waiting  # type: ignore[attr-defined]
    assert len(m.book.index.keys) == 200 // bulk_index.REBUILT + 1


def test_a_restored_monitor_defers_again() -> None:
    """A checkpoint's snapshot holds a plain index; the restored monitor's defers, and
    answers as the monitor that was never stopped."""
    spec = perp_isolated.build(name="venue", accounts=100, max_move="0.08")
    lines = [event_line(0, ("price", "2000.00")), event_line(1, ("insurance", "5000.00"))]
    lines += [event_line(2 + a, _healthy(a, 10_000 + 97 * a, "0.5" if a % 2 else "-2"))
              for a in range(100)]  # fmt: skip
    lines.append(event_line(102, ("price", "1900.00")))
    whole, first = (
        Monitor(spec, [], Options(detector="none")),
        Monitor(spec, [], Options(detector="none")),
    )
    for x in lines[:50]:
        first.feed(x)
    snap = pickle.loads(pickle.dumps(first.snapshot()))
    assert type(snap["book"].index) is deficit.DeficitIndex
    again = Monitor(spec, [], Options(detector="none"))
    again.restore(snap)
    assert type(again.book.index) is bulk_index.DeferredIndex  # type: ignore[union-attr]
    got = [a.to_json() for x in lines[50:] for a in again.feed(x)[0]]
    want = [a.to_json() for x in lines for a in whole.feed(x)[0]]
    assert got == want[len(want) - len(got) :] and got
    assert again.distance == whole.distance and again.distance_f == whole.distance_f
    _same(again.book.index, whole.book.index, F(1900), 0)  # type: ignore[union-attr]


def test_an_idle_source_puts_the_waiting_keys_in() -> None:
    """The run loop's flush when the source pauses puts the set-up in, so the next event
    does not wait for the sort."""
    spec = perp_isolated.build(name="venue", accounts=100, max_move="0.08")
    m = Monitor(spec, [], Options(detector="none"))
    m.feed(event_line(0, ("price", "2000.00")))
    for a in range(99):  # (the 100th would complete the set-up: put in then)
        m.feed(event_line(1 + a, _healthy(a, 10_000, "0.5")))
    assert m.book is not None and len(m.book.index.waiting) == 99  # type: ignore[attr-defined]
    assert m.flush() == ([], [])
    assert not m.book.index.waiting and m.book.index.size == 99  # type: ignore[attr-defined]


class _Reads:
    """A Redis-like source whose reads return ``reads`` (lists of lines), XREAD COUNT 4."""

    kind, resumable, count, stop, shown, stream = "redis", False, 4, None, "test", "venue"

    def __init__(self, reads: list[list[bytes]]) -> None:
        self.reads = reads

    def describe(self) -> str:
        return "reads"

    def batches(self) -> Any:
        n = 0
        for read in self.reads:
            yield [(str(n + i), x) for i, x in enumerate(read)]
            n += len(read)


@pytest.mark.parametrize("last_read", [3, 4])
def test_a_short_read_puts_the_set_up_in_before_the_next_event(last_read: int) -> None:
    """The run loop: a read of fewer lines than it asks (the source caught up with the
    set-up) puts the waiting keys in before the next read's events; a full read does
    not. The alerts are those of a monitor fed the same lines without the loop."""
    spec = perp_isolated.build(name="venue", accounts=12, max_move="0.08")
    lines = [event_line(0, ("price", "2000.00")), event_line(1, ("insurance", "900.00"))]
    lines += [
        event_line(2 + a, _healthy(a, 10_000 + 7 * a, "0.5" if a % 3 else "-1")) for a in range(9)
    ]  # fmt: skip (9 of 12 accounts: no complete set-up)
    later = [event_line(11, ("price", "1900.00")), event_line(12, ("price", "1700.00"))]
    cut = len(lines) - last_read
    reads = [lines[i : i + 4] for i in range(0, cut, 4)] + [lines[cut:], later]
    assert [len(r) for r in reads[:-1]] == [4, 4, last_read]
    m = Monitor(spec, [], Options(detector="none"))
    waiting: list[int] = []
    feed = m.feed

    def seen(line: bytes) -> Any:
        if line in later:
            waiting.append(len(getattr(m.book.index, "waiting", ())))  # type: ignore[union-attr]
        return feed(line)

    m.feed = seen  # type: ignore[method-assign]
    got = runner.run(m, _Reads(reads), runner.RunConfig(quarantine=None, print_alerts=False,
                                                        signals=False))  # fmt: skip
    want = Monitor(spec, [], Options(detector="none"))
    assert got.alerts == sum(len(want.feed(x)[0]) for x in lines + later)
    assert waiting == ([0, 0] if last_read < 4 else [9, 0])


def test_a_rebuild_merges_the_keys_held_with_the_waiting_ones() -> None:
    """70 accounts put in, then 35 of them changed and 5 new: the 40 waiting outnumber the
    35 held, so one rebuild (at any number: ``LEAST`` 0) sorts both; the index is the one
    built by insertions."""
    got = bulk_index.deferred(PerpBook(N, F(8, 100)))
    want = PerpBook(N, F(8, 100))
    for book in (got, want):
        for a in range(70):
            book.set_account(a, F(5_000 - 113 * a, 100), F((a % 5) - 2, 4) or F(1, 8))
    _same(got.index, want.index, F(100), 0)
    rebuilds: list[int] = []
    rebuild, least = bulk_index.rebuild, bulk_index.LEAST
    bulk_index.rebuild = lambda index, items: rebuilds.append(len(items)) or rebuild(index, items)
    bulk_index.LEAST = 0
    try:
        for book in (got, want):
            for a in [*range(0, 70, 2), *range(71, 76)]:
                book.set_account(a, F(-2_000 + 71 * a, 2), F(3 - a % 7, 2) or F(-1, 4))
        waiting = len(got.index.waiting)  # type: ignore[attr-defined]
        assert (waiting, got.index.size) == (40, 75)
        _same(got.index, want.index, F(1234, 10), 7 * 10**20)
    finally:
        bulk_index.rebuild, bulk_index.LEAST = rebuild, least
    assert rebuilds == [40]  # the 35 held sorted with them


def test_at_venue_scale_an_account_change_between_prices_does_not_wait() -> None:
    """Past the set-up (more keys held than ``SMALL``) an account change goes into the
    index at once: the next price event does not pay for it."""
    n = 2 * bulk_index.SMALL
    spec = perp_isolated.build(name="venue", accounts=n, max_move="0.08")
    m = Monitor(spec, [], Options(detector="none"))
    lines = [event_line(0, ("price", "2000.00")), event_line(1, ("insurance", "90000.00"))]
    lines += [event_line(2 + a, _healthy(a, 10_000 + a, "0.5")) for a in range(n)]
    for x in lines[:-1]:
        m.feed(x)
    assert m.book is not None and len(m.book.index.waiting) == n - 1  # type: ignore[attr-defined]
    m.feed(lines[-1])  # the last account set: the set-up is complete
    assert type(m.book.index) is deficit.DeficitIndex  # its set-up is in: a plain index
    m.feed(event_line(len(lines), ("price", "2001.00")))
    for a in range(0, 40, 3):
        m.feed(event_line(len(lines) + 1 + a, _healthy(a, 20_000, "-0.5")))
        assert not getattr(m.book.index, "waiting", None)


def test_the_aggregators_book_waits_for_its_first_read() -> None:
    """A complete set-up puts a monitor's waiting keys in; the aggregator's book keeps
    them waiting (its catch-up's insertions stay O(1)) until the index is read, then
    answers as the monitor's."""
    from solvent.monitor.aggregate import Aggregator

    spec = perp_isolated.build(name="venue", accounts=70, max_move="0.08")
    agg = Aggregator(spec, [], 2, Options())
    m = Monitor(spec, [], Options(detector="none"))
    for book in (agg.monitor.book, m.book):
        assert book is not None
        for a in range(70):
            book.set_account(a, F(5_000 - 113 * a, 100), F((a % 5) - 2, 4) or F(1, 8))
    assert not m.book.index.waiting  # type: ignore[union-attr]
    assert len(agg.monitor.book.index.waiting) == 70  # type: ignore[union-attr]
    _same(agg.monitor.book.index, m.book.index, F(100), 0)  # type: ignore[union-attr]
