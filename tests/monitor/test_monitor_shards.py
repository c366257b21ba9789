"""Sharded monitors on Redis consumer groups: 3 shard processes, one killed (SIGKILL)
mid-stream and taken over by a new process; the aggregator's alerts and venue-wide
distance equal one unsharded monitor's over the same events."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest
from monitor_helpers import REPO, RedisServer, line

from solvent.monitor.shard import owner, parse_consumer

SPEC = str(REPO / "tests" / "monitor" / "specs" / "perp_venue.py")
N = 24


def venue_events(count: int, seed: int) -> list[bytes]:
    """Positions of 2-20x leverage on 24 accounts, a fund, and a price that drifts, gaps
    beyond the 8% envelope once and crashes 30% in steps (distance alerts both ways)."""
    rng = random.Random(seed)
    out = [line(type="price", ts=0, seq=1, price="2000"),
           line(type="insurance", ts=0, seq=2, balance="3000")]  # fmt: skip
    seq, price = 3, 2000.0
    for a in range(N):
        out.append(_position(rng, a, seq, 0.0, price))
        seq += 1
    for i in range(count):
        ts = 1.0 + i
        if i % 4 == 3:
            move = rng.uniform(-0.03, 0.025)
            if i == (count // 2) | 3:
                move = -0.09  # beyond the envelope: critical envelope alert
            price = max(100.0, price * (1 + move))
            out.append(line(type="price", ts=ts, seq=seq, price=f"{price:.2f}"))
        elif i % 37 == 0:
            out.append(line(type="insurance", ts=ts, seq=seq, balance=f"{rng.randint(500, 4000)}"))
        else:
            out.append(_position(rng, rng.randrange(N), seq, ts, price))
        seq += 1
    return out


def _position(rng: random.Random, a: int, seq: int, ts: float, price: float) -> bytes:
    lev = rng.choice((2, 3, 5, 8, 12, 20))
    size = round(rng.uniform(0.1, 3.0), 3) * rng.choice((1, -1))
    quote = -size * price + abs(size) * price / lev
    return line(type="account", ts=ts, seq=seq, account=a,
                set={"quote": f"{quote:.4f}", "size": f"{size}"})  # fmt: skip


def unsharded(events: list[bytes]) -> tuple[list[dict[str, Any]], Any]:
    from solvent.monitor.core import Monitor, Options
    from solvent.monitor.runner import declared_assumptions
    from solvent.spec.load import load_spec

    spec = load_spec(SPEC, None)
    m = Monitor(spec, declared_assumptions(spec), Options(detector="none", distance="closed"))
    alerts = []
    for e in events:
        alerts += [a.to_json() for a in m.feed(e)[0]]
    assert m.book is not None
    return alerts, m.book.distance(m.price()).value


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "solvent", *args]


def _shard(server: RedisServer, tmp: Path, consumer: str, k: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        _cli("monitor", SPEC, "--source", server.url, "--stream", "ev", "--group", "g",
             "--consumer", consumer, "--no-prove", "--detector", "none", "--idle-exit", "3",
             "--checkpoint", str(tmp / f"shard{k}.ckpt"), "--checkpoint-every", "50",
             "--alerts", str(tmp / f"shard{k}.jsonl"),
             "--quarantine", str(tmp / f"q{k}.jsonl"), "-q"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ},
    )  # fmt: skip


def _key(a: dict[str, Any]) -> tuple[Any, ...]:
    d = a["details"]
    return (a["id"], a["severity"], a["kind"], a["name"], d.get("distance"), d.get("side"))


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
    procs = {k: _shard(redis_server, tmp_path, f"{k}/3", k) for k in range(3)}
    # kill shard 1 once it has checkpointed (and acknowledged) part of what it was given
    deadline = time.monotonic() + 60
    ckpt = tmp_path / "shard1.ckpt"
    while not ckpt.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ckpt.exists(), "shard 1 wrote no checkpoint"
    procs[1].send_signal(signal.SIGKILL)
    procs[1].wait(10)
    pending = client.xpending("ev", "g:1/3")["pending"]
    assert pending > 0  # delivered to the killed process, never acknowledged
    # a new process takes over shard 1 under another consumer name
    procs[1] = _shard(redis_server, tmp_path, "1/3:standby", 1)
    for k, p in procs.items():
        err = p.communicate(timeout=120)[1].decode()
        assert p.returncode in (0, 1), f"shard {k}: {err}"
    # the records stay in Redis: the aggregator may start (or restart) at any time
    agg = subprocess.run(
        _cli("monitor-aggregate", SPEC, "--source", redis_server.url, "--stream", "ev",
             "--shards", "3", "--no-prove", "--idle-exit", "2",
             "--alerts", str(tmp_path / "venue.jsonl")),
        capture_output=True, timeout=240,
    )  # fmt: skip
    assert agg.returncode in (0, 1), agg.stderr.decode()
    got = [json.loads(x) for x in (tmp_path / "venue.jsonl").read_text().splitlines()]
    a, b = sorted(map(_key, got)), sorted(map(_key, want_alerts))
    assert a == b, (sorted(set(a) - set(b)), sorted(set(b) - set(a)))
    summary = agg.stderr.decode()
    shown = "none" if want_distance is None else str(want_distance)
    from solvent.lang.values import format_number

    if want_distance is not None:
        shown = format_number(F(want_distance))
    assert f"venue-wide distance to insolvency {shown}" in " ".join(summary.split())
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
        _cli("monitor", SPEC, "--source", "redis://127.0.0.1:1/0", "--no-prove", *args),
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
        _cli("monitor-aggregate", SPEC, "--source", "redis://127.0.0.1:1/0", "--stream", "ev",
             "--no-prove", *(["--shards", "2"] if "--shards" not in args else []), *args),
        capture_output=True, timeout=180,
    )  # fmt: skip
    assert res.returncode == 3, res.stderr.decode()
    assert message in " ".join(res.stderr.decode().split())
