"""Helpers of the sharded monitor tests: a small venue, the unsharded run, shard processes."""

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

from monitor_helpers import REPO, RedisServer, line

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
        out.append(position(rng, a, seq, 0.0, price))
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
            out.append(position(rng, rng.randrange(N), seq, ts, price))
        seq += 1
    return out


def position(rng: random.Random, a: int, seq: int, ts: float, price: float) -> bytes:
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


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "solvent", *args]


def shard_process(
    server: RedisServer, tmp: Path, consumer: str, k: int, *extra: str
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cli("monitor", SPEC, "--source", server.url, "--stream", "ev", "--group", "g",
             "--consumer", consumer, "--no-prove", "--detector", "none", "--idle-exit", "3",
             "--checkpoint", str(tmp / f"shard{k}.ckpt"), "--checkpoint-every", "50",
             "--alerts", str(tmp / f"shard{k}.jsonl"),
             "--quarantine", str(tmp / f"q{k}.jsonl"), "-q", *extra),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ},
    )  # fmt: skip


def alert_key(a: dict[str, Any]) -> tuple[Any, ...]:
    d = a["details"]
    return (a["id"], a["severity"], a["kind"], a["name"], d.get("distance"), d.get("side"))


def assert_aggregate_equals(
    server: RedisServer, tmp: Path, shards: int, want_alerts: list[dict[str, Any]], want: Any
) -> None:
    """Run `solvent monitor-aggregate` over the shards' records: its alerts and venue-wide
    distance equal the unsharded monitor's (``want_alerts``, ``want``)."""
    from solvent.lang.values import format_number

    agg = subprocess.run(
        cli("monitor-aggregate", SPEC, "--source", server.url, "--stream", "ev",
            "--shards", str(shards), "--no-prove", "--idle-exit", "2",
            "--alerts", str(tmp / "venue.jsonl")),
        capture_output=True, timeout=240,
    )  # fmt: skip
    assert agg.returncode in (0, 1), agg.stderr.decode()
    docs = [json.loads(x) for x in (tmp / "venue.jsonl").read_text().splitlines()]
    got = [d for d in docs if d["kind"] != "report"]
    # each invariant alert's whole-state report follows it (a record, not an alert)
    reports = [d["id"] for d in docs if d["kind"] == "report"]
    raised = [d["details"]["state_report"] for d in got if "state_report" in d["details"]]
    assert sorted(reports) == sorted(raised) == sorted(d["id"] + ":state" for d in got if d["kind"] == "invariant" and d["severity"] == "critical")  # fmt: skip
    a, b = sorted(map(alert_key, got)), sorted(map(alert_key, want_alerts))
    assert a == b, (sorted(set(a) - set(b)), sorted(set(b) - set(a)))
    shown = "none" if want is None else format_number(F(want))
    summary = " ".join(agg.stderr.decode().split())
    assert f"venue-wide distance to insolvency {shown}" in summary
    assert "still waiting" not in summary


def kill_after_checkpoint(proc: subprocess.Popen[bytes], ckpt: Path) -> None:
    """SIGKILL a shard process once it has written ``ckpt`` (so it has checkpointed and
    acknowledged part of what it was given, and holds the rest pending)."""
    deadline = time.monotonic() + 60
    while not ckpt.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ckpt.exists(), f"the shard wrote no checkpoint {ckpt.name}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def feed_sharded(line: bytes, single: Any, parts: list[Any], agg: Any) -> list[dict[str, Any]]:
    """One line fed to a single monitor and to the in-process shard monitors ``parts`` that
    apply it (every shard for prices and the fund, the owner for an account), their records
    added to the aggregator ``agg``; the single monitor's combined alerts (invariant,
    distance) as JSON."""
    from solvent.monitor.aggregate import COMBINED
    from solvent.monitor.shard import OWNED, owner, record_of

    want = [a.to_json() for a in single.feed(line)[0] if a.kind in COMBINED]
    doc = json.loads(line)
    home = owner(doc["account"], len(parts)) if doc["type"] in OWNED else None
    for k, m in enumerate(parts):
        if home is None or home == k:
            before = m.counters.events
            alerts = m.feed(line)[0]
            if m.counters.events > before or alerts:
                agg.add(k, record_of(m, line, m.counters.events > before, alerts))
    return want
