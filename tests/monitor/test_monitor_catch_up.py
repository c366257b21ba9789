"""The aggregator's catch-up in bounded slices (issue 21, round 7).

The aggregator defers the account changes the probe sums decide and puts them into its
book later. At most ``PENDING_CAP`` deferred accounts wait outside the book (past it, each
deferred event puts the oldest in) and an idle poll puts at most ``IDLE_SLICE`` in, so an
event that needs the book never waits for every change since the last idle moment. Here
the cap and the slices are tiny (2 accounts, slices of 1 to 3 between reads) so that
nearly every event meets a partly caught-up book: the aggregator's alerts equal one
unsharded monitor's, the deferred accounts never exceed the cap, and its distance (the
book brought up to date) equals the single monitor's every few events and at the end.

Profiles: small and derandomized in CI; ``SOLVENT_HYPOTHESIS=long`` runs 1,000 streams.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from monitor_helpers import event_line, profile
from monitor_helpers import line as event_json
from shard_helpers import venue_events
from test_monitor_probe_sums import SPEC, USED, N, sharded_vs_single, streams

from solvent.monitor import aggregate, probe_sums
from solvent.monitor.aggregate import Aggregator, run_aggregate
from solvent.monitor.core import Monitor, Options
from solvent.monitor.shard import record_of

CAP = 2


def _opts() -> Options:
    return Options(detector="none", distance="closed")


def sliced_vs_single(lines: list[bytes], shards: int, slices: list[int]) -> Aggregator:
    """``sharded_vs_single`` (full catch-up and equal distances every 11 lines) with, every
    3 lines, a read (marks, drain) and one slice of the catch-up (an idle poll)."""

    def read_and_slice(agg: Aggregator, i: int, seq: int) -> list[dict[str, Any]]:
        if i % 3 != 2:
            return []
        for k in range(shards):
            agg.add(k, {"mark": seq})
        out = agg.drain()
        assert len(agg.fast.pending) <= CAP
        agg.sync(slices[i % len(slices)])
        return out

    agg = sharded_vs_single(lines, shards, every=11, between=read_and_slice)
    assert not agg.catching_up()
    return agg


@pytest.fixture(autouse=True)
def _small_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probe_sums, "PENDING_CAP", CAP)


@profile(30)
@given(streams, st.sampled_from([2, 3]), st.lists(st.integers(0, 3), min_size=1, max_size=4))
def test_sliced_catch_up_equals_one_monitor_on_random_streams(
    stream: list[tuple[Any, ...]], shards: int, slices: list[int]
) -> None:
    with pytest.MonkeyPatch.context() as mp:  # (Hypothesis runs outside the fixture's scope)
        mp.setattr(probe_sums, "PENDING_CAP", CAP)
        sliced_vs_single([event_line(i, e) for i, e in enumerate(stream)], shards, slices)


def test_sliced_catch_up_equals_one_monitor_on_a_crashing_venue() -> None:
    agg = sliced_vs_single(venue_events(200, 4), 3, [1, 0, 2])
    assert agg.fast.on and agg.fast.deferred >= 70  # the sums decided most events


class _Quiet:
    """A Redis client whose record streams hold ``entries`` and then nothing."""

    def __init__(self, entries: list[tuple[str, list[Any]]]) -> None:
        self.entries = entries
        self.blocks: list[int | None] = []

    def xread(self, pos: dict[str, str], count: int, block: int | None) -> Any:
        self.blocks.append(block)
        out, self.entries = self.entries, []
        return out


def _records(lines: list[bytes]) -> list[dict[str, Any]]:
    part = Monitor(SPEC, USED, _opts())
    recs = []
    for line in lines:
        before = part.counters.events
        alerts = part.feed(line)[0]
        if part.counters.events > before or alerts:
            recs.append(record_of(part, line, part.counters.events > before, alerts))
    return [*recs, {"mark": 1 << 40}]


def _calm(changes: int) -> list[bytes]:
    """A venue far from insolvency: positions at 2x on every account, a large fund, then
    ``changes`` account changes at 2x (the probe sums defer every one of them)."""
    out = [event_json(type="price", ts=0, seq=1, price="2000"),
           event_json(type="insurance", ts=0, seq=2, balance="100000")]  # fmt: skip
    for i in range(N + changes):
        side = 1 if i % 3 else -1
        doc = {"quote": str(-side * 2000 + 1000), "size": str(side)}
        out.append(event_json(type="account", ts=1 + i, seq=3 + i, account=i % N, set=doc))
    return out


def test_an_idle_aggregator_catches_up_a_slice_per_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """With records read and nothing new, each poll puts at most IDLE_SLICE accounts in and
    reads again without blocking until the book has caught up; then it blocks again."""
    monkeypatch.setattr(probe_sums, "PENDING_CAP", 10_000)
    monkeypatch.setattr(aggregate, "IDLE_SLICE", 3)
    lines = _calm(20)
    agg = Aggregator(SPEC, USED, 1, _opts())
    sizes: list[int] = []
    sync = agg.sync

    def counted(limit: int | None = None, **kw: Any) -> None:
        before = len(agg.fast.pending)
        sync(limit, **kw)
        sizes.append(before - len(agg.fast.pending))

    monkeypatch.setattr(agg, "sync", counted)
    entry = ("1-0", {b"rs": json.dumps(_records(lines)).encode()})
    client = _Quiet([("ev.shard.0/1", [entry])])
    summary = run_aggregate(agg, client, "ev", write=lambda d: None, idle_exit=0.0)
    slices, last = sizes[:-1], sizes[-1]
    assert len(slices) >= 4 and max(slices) == 3 and last == 0  # slices of 3; none at the end
    polls = client.blocks  # the first read waits; while behind none does; then it waits again
    assert polls[0] == 200 and polls[1 : len(slices) + 1] == [None] * len(slices)
    assert polls[-1] == 200
    single = Monitor(SPEC, USED, _opts())
    for line in lines:
        single.feed(line)
    assert single.book is not None
    assert summary.distance == single.book.distance(single.price()).value


def test_the_summary_reads_the_index_and_leaves_the_exact_values_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At the end the loop puts the deferred changes into the book's index (what the
    venue-wide distance reads) but not their exact values (nothing reads them then: a
    sixth of the aggregator's CPU at 100,000 accounts); its distance is one monitor's, and
    a whole-state read afterwards still gets every value one monitor holds."""
    monkeypatch.setattr(probe_sums, "PENDING_CAP", 10_000)
    lines = _calm(30)
    agg = Aggregator(SPEC, USED, 1, _opts())
    entry = ("1-0", {b"rs": json.dumps(_records(lines)).encode()})
    summary = run_aggregate(agg, _Quiet([("ev.shard.0/1", [entry])]), "ev",
                            write=lambda d: None, idle_exit=0.0)  # fmt: skip
    single = Monitor(SPEC, USED, _opts())
    for line in lines:
        single.feed(line)
    assert single.book is not None
    assert summary.distance == single.book.distance(single.price()).value
    assert not agg.fast.pending and len(agg.fast.lag.behind) >= N  # in the index, values lag
    agg.monitor.whole_state()
    assert not agg.fast.lag.behind
    assert all(agg.monitor.values[f] == single.values[f] for f in ("quote", "size"))


def test_the_loop_freezes_the_heap_every_few_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """``gc.freeze()`` after every FREEZE_EVERY records read (the book's objects leave the
    collector's full passes, which stopped the loop for up to 0.7 s at 100,000 accounts)."""
    import gc

    frozen: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))
    monkeypatch.setattr(aggregate, "FREEZE_EVERY", 10)
    recs = _records(_calm(40))
    entries = [
        (f"{i + 1}-0", {b"rs": json.dumps(recs[i : i + 5]).encode()})
        for i in range(0, len(recs), 5)
    ]
    client = _OneAtATime([("ev.shard.0/1", [e]) for e in entries])
    agg = Aggregator(SPEC, USED, 1, _opts())
    summary = run_aggregate(agg, client, "ev", write=lambda d: None, idle_exit=0.0)
    assert summary.records == len(recs) >= 60
    assert len(frozen) == summary.records // 10  # once per 10 records read


class _OneAtATime(_Quiet):
    """One entry per read."""

    def xread(self, pos: dict[str, str], count: int, block: int | None) -> Any:
        self.blocks.append(block)
        return [self.entries.pop(0)] if self.entries else []
