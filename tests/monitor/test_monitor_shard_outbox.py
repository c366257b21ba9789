"""A shard's records of a batch go out with its next read, in one round trip (a real
redis-server): not before it, in order, and a failed XADD leaves the records queued and
the entries just read pending for a replacement."""

from __future__ import annotations

import json
from typing import Any

import pytest
from monitor_helpers import RedisServer, line

from solvent.models import perp_isolated
from solvent.monitor.core import Monitor, Options
from solvent.monitor.errors import SourceError
from solvent.monitor.shard import GroupSource, Shard, ShardName, record_stream

SPEC = perp_isolated.build(
    name="outbox", accounts=2, initial_margin="0.10", maintenance_margin="0.08",
    max_move="0.08",
)  # fmt: skip


def _price(seq: int, price: str) -> bytes:
    return line(type="price", ts=seq, seq=seq, price=price)


def test_a_batch_s_records_go_out_with_the_next_read(redis_server: RedisServer) -> None:
    client = redis_server.client()
    for seq, price in ((1, "100"), (2, "101")):
        client.xadd("ev", {"event": _price(seq, price)})
    src = GroupSource(redis_server.url, "ev", "g", "0/1", block_ms=10)
    shard = Shard(src)
    monitor = Monitor(SPEC, [], Options(detector="none", distance="none"))
    out = record_stream("ev", ShardName(0, 1))
    batch = src._read()
    assert [json.loads(raw)["seq"] for _, raw in batch] == [1, 2]
    for _, raw in batch:
        shard.feed(monitor, raw)
    shard.batch_done()
    assert client.xlen(out) == 0  # not sent on its own
    client.xadd("ev", {"event": _price(3, "102")})
    assert [json.loads(raw)["seq"] for _, raw in src._read()] == [3]
    ((_, fields),) = client.xrange(out)
    assert [r["seq"] for r in json.loads(fields[b"rs"])] == [1, 2]  # with that read, in order
    assert shard.entry() is None  # nothing left queued
    assert src._read() == []  # nothing to send, nothing new: a plain read
    assert client.xlen(out) == 1


def test_a_failed_xadd_keeps_the_records_and_leaves_the_entries_pending(
    redis_server: RedisServer,
) -> None:
    client = redis_server.client()
    client.xadd("ev", {"event": _price(1, "100")})
    src = GroupSource(redis_server.url, "ev", "g", "0/1", block_ms=10)
    shard = Shard(src)
    monitor = Monitor(SPEC, [], Options(detector="none", distance="none"))
    ((_, raw),) = src._read()
    shard.feed(monitor, raw)
    shard.batch_done()
    client.set(record_stream("ev", ShardName(0, 1)), "not a stream")  # XADD fails on it
    new = client.xadd("ev", {"event": _price(2, "101")})
    with pytest.raises(SourceError, match="cannot publish the shard's records"):
        src._read()
    assert shard.entry() is not None  # still queued
    pending = client.xpending_range("ev", "g:0/1", min="-", max="+", count=10)
    assert new in [p["message_id"] for p in pending]  # read, not applied: pending


def test_a_checkpoint_covers_only_published_records(
    redis_server: RedisServer, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The records of every entry a checkpoint covers are in Redis before the checkpoint
    is written: a shard killed right after writing it (tests/monitor/test_monitor_shards.py
    kills one as soon as its checkpoint file exists) would otherwise lose them, since its
    replacement starts from the checkpoint and re-applies only what comes after (the
    fresh-clone CI of round 20 lost a killed shard's records this way)."""
    from solvent.monitor import checkpoint as ckpt
    from solvent.monitor import runner

    client = redis_server.client()
    for seq in range(1, 41):
        client.xadd("ev", {"event": _price(seq, str(100 + seq % 7))})
    src = GroupSource(redis_server.url, "ev", "g", "0/1", block_ms=10)
    shard = Shard(src)
    monitor = Monitor(SPEC, [], Options(detector="none", distance="none"))
    out = record_stream("ev", ShardName(0, 1))
    at_save: list[tuple[int, int]] = []  # (position's seq, the last seq published then)
    real_save = ckpt.save

    def save(path: Any, **doc: Any) -> None:
        published = [r["seq"] for _, f in client.xrange(out) for r in json.loads(f[b"rs"])]
        ((_, fields),) = client.xrange("ev", doc["position"], doc["position"])
        covered = json.loads(fields[b"event"])["seq"]
        at_save.append((covered, max(published, default=0)))
        real_save(path, **doc)

    monkeypatch.setattr(ckpt, "save", save)
    cfg = runner.RunConfig(
        checkpoint=str(tmp_path / "s.ckpt"), checkpoint_every=7, max_events=40,
        quarantine=str(tmp_path / "q.jsonl"), print_alerts=False, signals=False,
    )  # fmt: skip
    for _ in runner.alerts(monitor, src, cfg, runner.Summary(), shard=shard):
        pass
    assert len(at_save) >= 5
    assert all(last >= covered for covered, last in at_save), at_save
