"""Sharded monitors on Redis consumer groups: 3 shard processes, one killed (SIGKILL)
mid-stream and taken over by a new process; the aggregator's alerts and venue-wide
distance equal one unsharded monitor's over the same events."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from monitor_helpers import RedisServer
from shard_helpers import (
    SPEC,
    N,
    assert_aggregate_equals,
    cli,
    kill_after_checkpoint,
    shard_process,
    unsharded,
    venue_events,
)

from solvent.monitor.shard import owner, parse_consumer


def test_owner_hash_is_stable_and_spreads() -> None:
    """The documented hash: blake2b(str(account), 8 bytes) big-endian mod N."""
    import hashlib

    for a in (0, 1, 17, 99_999):
        want = int.from_bytes(hashlib.blake2b(str(a).encode(), digest_size=8).digest(), "big")
        assert owner(a, 7) == want % 7
    counts = [0, 0, 0]
    for a in range(3000):
        counts[owner(a, 3)] += 1
    assert min(counts) > 900
    assert parse_consumer("2/3:standby")[0].index == 2
    with pytest.raises(ValueError, match="SHARD/SHARDS"):
        parse_consumer("3/3")


def test_three_shards_one_killed_equal_one_monitor(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    events = venue_events(2500, seed=5)
    want_alerts, want_distance = unsharded(events)
    assert any(a["kind"] == "distance" for a in want_alerts)
    assert any(a["kind"] == "envelope" for a in want_alerts)
    client = redis_server.client()
    # the shards hold positions of their own accounts only
    assert len({owner(a, 3) for a in range(N)}) == 3
    pipe = client.pipeline(transaction=False)
    for e in events:
        pipe.xadd("ev", {"event": e})
    pipe.execute()
    procs = {k: shard_process(redis_server, tmp_path, f"{k}/3", k) for k in range(3)}
    # kill shard 1 once it has checkpointed (and acknowledged) part of what it was given
    kill_after_checkpoint(procs[1], tmp_path / "shard1.ckpt")
    pending = client.xpending("ev", "g:1/3")["pending"]
    assert pending > 0  # delivered to the killed process, never acknowledged
    # a new process takes over shard 1 under another consumer name
    procs[1] = shard_process(redis_server, tmp_path, "1/3:standby", 1)
    for k, p in procs.items():
        err = p.communicate(timeout=120)[1].decode()
        assert p.returncode in (0, 1), f"shard {k}: {err}"
    # the records stay in Redis: the aggregator may start (or restart) at any time
    assert_aggregate_equals(redis_server, tmp_path, 3, want_alerts, want_distance)
    # nothing is left pending: every entry was applied and acknowledged by its shard
    for k in range(3):
        assert client.xpending("ev", f"g:{k}/3")["pending"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--group", "g", "--consumer", "0/3", "--stream", "ev"], "--checkpoint FILE"),
        (["--group", "g", "--stream", "ev"], "both --group NAME and --consumer"),
        (["--group", "g", "--consumer", "3/3", "--stream", "ev"], "SHARD/SHARDS"),
        (["--distance-every", "0"], "--distance-every expects"),
    ],
)
def test_shard_options_are_checked(args: list[str], message: str) -> None:
    res = subprocess.run(
        cli("monitor", SPEC, "--source", "redis://127.0.0.1:1/0", "--no-prove", *args),
        capture_output=True,
        timeout=180,
    )
    assert res.returncode == 3, res.stderr.decode()
    assert message in " ".join(res.stderr.decode().split())


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--shards", "0"], "--shards must be between"), (["--idle-exit", "nan"], "--idle-exit")],
)
def test_aggregate_options_are_checked(args: list[str], message: str) -> None:
    res = subprocess.run(
        cli("monitor-aggregate", SPEC, "--source", "redis://127.0.0.1:1/0", "--stream", "ev",
             "--no-prove", *(["--shards", "2"] if "--shards" not in args else []), *args),
        capture_output=True, timeout=180,
    )  # fmt: skip
    assert res.returncode == 3, res.stderr.decode()
    assert message in " ".join(res.stderr.decode().split())
