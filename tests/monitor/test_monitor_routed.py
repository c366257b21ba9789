"""Routed streams: the producer writes one stream per shard (solvent.monitor.route), so a
shard reads only its own lines; two routed shard processes (one killed mid-stream and
taken over) and the aggregator equal one unsharded monitor over the same events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from monitor_helpers import RedisServer, line
from shard_helpers import (
    assert_aggregate_equals,
    kill_after_checkpoint,
    shard_process,
    unsharded,
    venue_events,
)

from solvent.monitor.route import Router, destinations, relay, routed_stream
from solvent.monitor.shard import ShardName, owner


class _Pipe:
    def __init__(self) -> None:
        self.added: list[tuple[str, dict[bytes, Any]]] = []

    def xadd(self, name: str, fields: dict[bytes, Any]) -> None:
        self.added.append((name, fields))


def test_router_sends_each_line_to_its_shards_in_order_and_marks_the_others() -> None:
    lines = [
        line(type="price", ts=0, seq=1, price="100"),
        line(type="account", ts=1, seq=2, account=7, set={"quote": "1", "size": "0"}),
        b"not json",
        line(type="liquidation", ts=2, seq=3, account=-1, set={"size": "0"}),
        line(type="account", ts=3, seq=4, account=8, set={"quote": "1", "size": "0"}),
    ]
    router = Router(None, "ev", 3)
    pipe = _Pipe()
    assert router.queue(pipe, lines) == len(lines)
    names = [routed_stream("ev", ShardName(k, 3)) for k in range(3)]
    got: dict[str, list[Any]] = {n: [] for n in names}
    for name, fields in pipe.added:
        got[name].append(fields.get(b"event", ("mark", fields.get(b"mark"))))
    for k, name in enumerate(names):
        events = [x for x in got[name] if isinstance(x, bytes)]
        want = [x for x in lines if k in destinations(x, 3)]
        assert events == want  # its lines, in the order given
        assert lines[0] in events  # a price goes everywhere
        for a in (7, 8):  # an account event to its owner only
            assert any(f'"account": {a},'.encode() in x for x in events) == (owner(a, 3) == k)
        # not an event, or no valid account: shard 0 quarantines it, once
        assert (b"not json" in events) == (k == 0) == (lines[3] in events)
        last_owner = owner(8, 3)
        marks = [x for x in got[name] if not isinstance(x, bytes)]
        assert marks == ([] if k == last_owner else [("mark", 4)])
        if marks:
            assert got[name][-1] == ("mark", 4)  # after the batch's lines


def test_two_routed_shards_one_killed_equal_one_monitor(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    events = venue_events(1500, seed=11)
    want_alerts, want_distance = unsharded(events)
    assert any(a["kind"] == "distance" for a in want_alerts)
    client = redis_server.client()
    # the producer writes one stream; the relay routes it exactly once (run twice: the
    # second run starts from the saved position and routes nothing again)
    pipe = client.pipeline(transaction=False)
    for e in events:
        pipe.xadd("ev", {"event": e})
    pipe.execute()
    assert relay(Router(client, "ev", 2), idle_exit=0.2, count=400) == len(events)
    assert relay(Router(client, "ev", 2), idle_exit=0.2) == 0
    names = [routed_stream("ev", ShardName(k, 2)) for k in range(2)]
    accounts = sum(1 for e in events if b'"account"' in e)
    lens = [client.xlen(n) for n in names]
    assert max(lens) < len(events)  # each shard's stream holds only its share
    marks = sum(1 for n in names for _eid, fields in client.xrange(n) if b"mark" in fields)
    assert 0 < marks <= 2 * 4  # at most one per shard and relayed batch (4 batches of 400)
    # account events once (to their owner), the rest (prices, fund) to both shards
    assert sum(lens) == accounts + 2 * (len(events) - accounts) + marks
    procs = {k: shard_process(redis_server, tmp_path, f"{k}/2", k, "--routed") for k in range(2)}
    # kill shard 1 once it has checkpointed (and acknowledged) part of what it was given
    kill_after_checkpoint(procs[1], tmp_path / "shard1.ckpt")
    assert client.xpending(names[1], "g:1/2")["pending"] > 0
    procs[1] = shard_process(redis_server, tmp_path, "1/2:standby", 1, "--routed")
    for k, p in procs.items():
        err = p.communicate(timeout=120)[1].decode()
        assert p.returncode in (0, 1), f"shard {k}: {err}"
    assert_aggregate_equals(redis_server, tmp_path, 2, want_alerts, want_distance)
    for k in range(2):
        assert client.xpending(names[k], f"g:{k}/2")["pending"] == 0
    for k in range(2):  # nothing misrouted, nothing quarantined
        q = tmp_path / f"q{k}.jsonl"
        assert not q.exists() or not q.read_text().strip()


class _Client:
    def __init__(self) -> None:
        self.entries: list[tuple[str, dict[str, bytes]]] = []

    def xadd(self, name: str, fields: dict[str, bytes]) -> None:
        self.entries.append((name, fields))


class _Source:
    def __init__(self, consumer: str) -> None:
        from solvent.monitor.shard import parse_consumer

        self.shard = parse_consumer(consumer)[0]
        self.routed, self.base, self.stream = True, "ev", f"ev.in.{self.shard}"
        self.client = _Client()


def test_a_routed_shard_refuses_misrouted_accounts_and_forwards_marks() -> None:
    import json

    from solvent.monitor.shard import Mark, Shard

    class Fed:  # a monitor that records what it is fed
        def __init__(self) -> None:
            self.lines: list[bytes] = []

        def feed(self, line: bytes) -> tuple[list[Any], list[Any]]:
            self.lines.append(line)
            return [], []

        counters = type("C", (), {"events": 0})()

    mine = next(a for a in range(50) if owner(a, 2) == 0)
    other = next(a for a in range(50) if owner(a, 2) == 1)
    shard, monitor = Shard(_Source("0/2")), Fed()
    acc = line(type="account", ts=1, seq=5, account=mine, set={"quote": "1", "size": "0"})
    wrong = line(type="account", ts=1, seq=6, account=other, set={"quote": "1", "size": "0"})
    assert shard.feed(monitor, acc) == ([], [])
    assert shard.feed(monitor, b"not json") == ([], [])  # its monitor quarantines it
    _, bad = shard.feed(monitor, wrong)
    assert bad and "belongs to shard 1/2" in bad[0][1] and bad[0][0] == wrong
    assert shard.feed(monitor, Mark(b"9")) == ([], [])
    assert monitor.lines == [acc, b"not json"]  # neither the misrouted line nor the mark
    shard.flush()
    ((name, fields),) = shard.client.entries
    assert name == "ev.shard.0/2"
    assert json.loads(fields["rs"])[-1] == {"mark": 9}
