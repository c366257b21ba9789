"""The aggregator's probe sums (``solvent.monitor.probe_sums``) against one unsharded monitor.

Shards send their own accounts' deficits at the five probes with each price record; the
aggregator adds them, follows account changes by their difference at the probes and
defers every event that changes no level, updating its book only when asked. On random
streams split over 2 or 3 in-process shards (the records a shard process publishes, the
aggregator's own merge), the aggregator's invariant and distance alerts equal a single
monitor's, and its venue-wide distance (its book brought up to date) equals the single
monitor's after every few events, not only at the end.

Profiles: small and derandomized in CI; ``SOLVENT_HYPOTHESIS=long`` runs 1,000 streams.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from monitor_helpers import bad_debt_event, cents, event_line, insurance_event, profile, sizes
from shard_helpers import alert_key, feed_sharded, venue_events

from solvent.models import perp_isolated
from solvent.monitor.aggregate import COMBINED, Aggregator
from solvent.monitor.book import SCALE
from solvent.monitor.core import Monitor, Options
from solvent.monitor.shard import record_of

N = 24
SPEC = perp_isolated.build(
    name="probe-sums", accounts=N, initial_margin="0.10", maintenance_margin="0.08",
    max_move="0.08",
)  # fmt: skip
USED = ["envelope.move.lo", "envelope.move.hi"]
#: prices around the positions' bankruptcy prices (cents, 500 to 3,000)
near_price = st.tuples(st.just("price"), st.integers(50_000, 300_000).map(lambda k: f"{k / 100}"))
event = st.one_of(
    st.tuples(st.just("account"), st.integers(0, N - 1), cents, sizes),
    insurance_event, bad_debt_event, near_price,
)  # fmt: skip
#: a venue that mostly stays within its fund (quotes mostly above 0, a fund from the start,
#: no bad debt): most events are then taken from the sums rather than the monitor
covered = st.one_of(
    st.tuples(st.just("account"), st.integers(0, N - 1),
              st.integers(-50_000, 300_000).map(lambda k: f"{k / 100:.2f}"), sizes),
    st.tuples(st.just("insurance"), st.integers(100_000, 400_000).map(lambda k: f"{k / 100}")),
    near_price,
)  # fmt: skip
streams = st.one_of(
    st.lists(event, min_size=1, max_size=80),
    st.lists(covered, min_size=1, max_size=80).map(lambda s: [("insurance", "2000"), *s]),
)


def _opts() -> Options:
    return Options(detector="none", distance="closed")


def sharded_vs_single(
    lines: list[bytes],
    shards: int,
    every: int = 7,
    between: Callable[[Aggregator, int, int], list[dict[str, Any]]] | None = None,
) -> Aggregator:
    """Feed ``lines`` to one monitor and to ``shards`` in-process shards plus the aggregator;
    assert equal alerts and equal distances every ``every`` events; return the aggregator.
    ``between(agg, i, seq)``, if given, runs after each line (its alerts are counted)."""
    single = Monitor(SPEC, USED, _opts())
    parts = [Monitor(SPEC, USED, _opts()) for _ in range(shards)]
    agg = Aggregator(SPEC, USED, shards, _opts())
    want: list[dict[str, Any]] = []
    got: list[dict[str, Any]] = []
    for i, line in enumerate(lines):
        want += feed_sharded(line, single, parts, agg)
        doc = json.loads(line)
        if between is not None:
            got += between(agg, i, doc["seq"])
        if i % every == every - 1 or i == len(lines) - 1:
            for k in range(shards):
                agg.add(k, {"mark": doc["seq"]})
            got += agg.drain()
            fast = agg.fast
            if fast.on and fast.px is not None:  # the sums kept through every change
                assert fast.pe == probe_sums_of(single, fast.px), i
            agg.sync()
            book, one = agg.monitor.book, single.book
            assert book is not None and one is not None
            assert book.distance(agg.monitor.price()) == one.distance(single.price()), i
            a, b = agg.monitor.values, single.values
            assert all(a[f] == b[f] for f in ("quote", "size", "insurance", "bad_debt")), i
    got = [a for a in got if a["kind"] in COMBINED]  # the shards' own alerts, forwarded
    assert sorted(map(alert_key, got)) == sorted(map(alert_key, want))
    return agg


def probe_sums_of(m: Monitor, px: list[tuple[int, int]]) -> list[int]:
    """``E`` at each probe ``n/d`` of one monitor's state, from its accounts one by one in
    Fractions (independent of the sums and of any index): ``(bad_debt - insurance + the
    sum of every account's deficit) * 10**18 * d``."""
    v = m.values
    out = []
    for n, d in px:
        x = Fraction(n, d)
        e = v["bad_debt"] - v["insurance"]
        e += sum(max(Fraction(0), -(q + s * x)) for q, s in zip(v["quote"], v["size"], strict=True))
        out.append(int(e * SCALE * d))
    return out


@profile(40)
@given(streams, st.sampled_from([2, 3]))
def test_probe_sums_equal_one_monitor_on_random_streams(
    stream: list[tuple[Any, ...]], shards: int
) -> None:
    lines = [event_line(i, e) for i, e in enumerate(stream)]
    sharded_vs_single(lines, shards, every=5)


@pytest.mark.parametrize(("seed", "shards"), [(0, 2), (4, 3), (5, 3)])
def test_probe_sums_equal_one_monitor_on_a_crashing_venue(seed: int, shards: int) -> None:
    """The venue of the sharded tests (positions at 2-20x, a fund, a 30% crash in steps):
    distance alerts both ways, and many events taken from the sums (deferred: 75 to 133 of
    the 186 here; the others change a level or lie beyond the fund in the crash)."""
    agg = sharded_vs_single(venue_events(160, seed), shards)
    assert agg.fast.on
    assert agg.fast.deferred >= 70


def test_a_shard_without_vectors_sends_the_aggregator_the_old_way() -> None:
    """Records without ``pv`` (a shard of an earlier solvent): every event goes through the
    aggregator's monitor, with the same result."""
    lines = venue_events(60, 5)
    single = Monitor(SPEC, USED, _opts())
    for line in lines:
        single.feed(line)
    part = Monitor(SPEC, USED, _opts())
    agg = Aggregator(SPEC, USED, 1, _opts())
    for line in lines:
        before = part.counters.events
        alerts = part.feed(line)[0]
        rec = record_of(part, line, part.counters.events > before, alerts)
        rec.pop("pv", None)
        agg.add(0, rec)
    agg.add(0, {"mark": 1 << 40})
    agg.drain()
    agg.sync()
    assert agg.fast.deferred == 0
    assert agg.monitor.book is not None and single.book is not None
    assert agg.monitor.book.distance(agg.monitor.price()) == single.book.distance(single.price())
