"""Shards' pieces (issue 21, round 24): the aggregator combines a run of account changes
between two shared events at once when the pieces' bounds certify it, change by change
otherwise; its alerts and distance equal one unsharded monitor's.

The shards here are the real :class:`~solvent.monitor.shard.Shard` objects over an
in-memory stand-in for Redis (the entries they would add), sending their entries at seeded
random points (a shard's batches), with marks as the router sends them; the aggregator
reads each entry as ``monitor-aggregate`` does.
"""

from __future__ import annotations

import json
import random
from fractions import Fraction as F
from typing import Any

import pytest
from monitor_helpers import line
from shard_helpers import SPEC, alert_key, position, unsharded, venue_events

from solvent.monitor.aggregate import Aggregator, _pieces, _records
from solvent.monitor.core import Monitor, Options
from solvent.monitor.pieces import decode_pieces
from solvent.monitor.runner import declared_assumptions
from solvent.monitor.shard import OWNED, Shard, ShardName, owner
from solvent.spec.load import load_spec


class _Client:
    def __init__(self) -> None:
        self.entries: list[dict[str, bytes]] = []

    def xadd(self, _name: str, fields: dict[str, bytes]) -> None:
        self.entries.append(fields)


class _Source:
    """What a :class:`Shard` uses of its group source: its name, its client."""

    def __init__(self, k: int, n: int) -> None:
        self.shard, self.routed, self.base = ShardName(k, n), True, "ev"
        self.client = _Client()
        self.outbox: Any = None


def sharded(events: list[bytes], shards: int, seed: int) -> tuple[list[dict[str, Any]], Any, Any]:
    """The aggregator's alerts (combined and forwarded) and final distance over ``shards``
    in-process shards fed ``events`` (each account's to its owner), and the aggregator."""
    spec = load_spec(SPEC, None)
    used = declared_assumptions(spec)
    parts = [Monitor(spec, used, Options(detector="none")) for _ in range(shards)]
    shard = [Shard(_Source(k, shards)) for k in range(shards)]  # type: ignore[arg-type]
    agg = Aggregator(spec, used, shards, Options())
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []

    def send(k: int, mark: int | None) -> None:
        if mark is not None:
            shard[k]._send({"mark": mark})
        shard[k].flush()
        for fields in shard[k].client.entries:
            agg.add_all(k, _records(fields), _pieces(fields))
        shard[k].client.entries.clear()
        out.extend(agg.drain())

    for e in events:
        doc = json.loads(e)
        home = owner(doc["account"], shards) if doc["type"] in OWNED else None
        for k in range(shards):
            if home is None or home == k:
                shard[k].feed(parts[k], e)
        if rng.random() < 0.08:  # a shard's batch ends: its entry, and the others' marks
            for k in rng.sample(range(shards), shards):
                send(k, doc["seq"])
    for k in range(shards):
        send(k, json.loads(events[-1])["seq"])
    agg.sync(values=False)
    m = agg.monitor
    assert m.book is not None
    alerts = [a for a in out if a["kind"] != "report"]  # (an invariant alert's report)
    return alerts, m.book.distance(m.price()).value, agg


def calm_venue(count: int, seed: int) -> list[bytes]:
    """The 24-account venue with prices every 40 events, moving under 1%: long runs of
    account changes between prices, nothing near the thresholds, then a crash; two lines
    the shards quarantine (no such account, not an account)."""
    rng = random.Random(seed)
    events = venue_events(0, seed)
    price, seq = 2000.0, len(events) + 1
    for i in range(count):
        ts = 1.0 + i
        if i % 40 == 39:
            move = rng.uniform(-0.01, 0.01) if i < count * 3 // 4 else -0.05
            price *= 1 + move
            events.append(line(type="price", ts=ts, seq=seq, price=f"{price:.2f}"))
        elif i == count // 2:  # no such account, and not an account: quarantined
            events.append(line(type="account", ts=ts, seq=seq, account=99, set={"size": "1"}))
        elif i == count // 2 + 1:
            events.append(line(type="account", ts=ts, seq=seq, account="x", set={"size": "1"}))
        else:
            events.append(position(rng, rng.randrange(24), seq, ts, price))
        seq += 1
    return events


@pytest.mark.parametrize(("shards", "seed"), [(2, 1), (3, 2), (2, 3)])
def test_pieces_combine_to_the_unsharded_alerts_and_distance(shards: int, seed: int) -> None:
    for events in (calm_venue(1200, seed), venue_events(600, seed)):
        want_alerts, want = unsharded(events)
        got, distance, agg = sharded(events, shards, seed)
        assert sorted(map(alert_key, got)) == sorted(map(alert_key, want_alerts))
        assert distance == want
        m = agg.monitor
        docs = [json.loads(e) for e in events]
        assert m.counters.events == sum(1 for d in docs if d.get("account", 0) in range(24))
    # the calm venue is combined from pieces mostly, the crashing one partly change by
    # change: both paths ran, and agree with the unsharded monitor
    assert sharded(calm_venue(1200, seed), shards, seed)[2].fast.certified > 600
    crash = sharded(venue_events(600, seed), shards, seed)[2].fast
    assert 0 < crash.certified < 600


def test_a_piece_holds_its_bounds_and_rows() -> None:
    """A shard's piece: its bounds are the least and greatest of its deficits after each
    change, computed here from the amounts (the deficit at each probe, summed)."""
    spec = load_spec(SPEC, None)
    m = Monitor(spec, declared_assumptions(spec), Options(detector="none"))
    sh = Shard(_Source(0, 1))  # type: ignore[arg-type]
    events = calm_venue(38, seed=4)  # a price, the fund, then 62 changes: one piece
    for e in events:
        sh.feed(m, e)
    sh.flush()
    fields = sh.source.client.entries[-1]
    (piece,) = decode_pieces(fields["pc"])
    px = sh.pieces.px
    assert px is not None
    book = m.book
    assert book is not None

    def deficits(q: list[int], s: list[int]) -> list[int]:
        return [sum(max(0, -(qa * d + sa * n)) for qa, sa in zip(q, s, strict=True)) for n, d in px]

    # replay the rows from the amounts before the piece
    q, s = [0] * 24, [0] * 24
    for e in events:
        doc = json.loads(e)
        if doc["type"] == "account" and doc["seq"] < piece.q[0]:
            q[doc["account"]] = int(F(doc["set"]["quote"]) * 10**18)
            s[doc["account"]] = int(F(doc["set"]["size"]) * 10**18)
    assert deficits(q, s) == piece.b
    seen = []
    for row in json.loads(bytes(piece.r)):
        q[row[2]], s[row[2]] = row[3], row[4]
        seen.append(deficits(q, s))
    assert [min(c) for c in zip(*seen, strict=True)] == piece.lo
    assert [max(c) for c in zip(*seen, strict=True)] == piece.hi
    assert seen[-1] == piece.e == sh.pieces.dv
    applied = [d["seq"] for d in map(json.loads, events) if d.get("account", 0) in range(24)]
    assert piece.q == [seq for seq in applied if seq >= piece.q[0]]  # (not the quarantined)
