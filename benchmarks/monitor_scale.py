"""The monitor at venue scale: a synthetic venue replayed into Redis, 1, 2 and 4 shards.

    python benchmarks/monitor_scale.py [--accounts 100000] [--events 50000]
        [--shards 1,2,4] [--out benchmarks/results/monitor_scale.md]
    python benchmarks/monitor_scale.py --in-process [--accounts N --events N]
    python benchmarks/monitor_scale.py --paired-with OTHER/src [--redis] [--accounts N --events N]
    python benchmarks/monitor_scale.py --in-process --aggregator [--paired-with OTHER/src]

``--in-process`` feeds the same venue to ``Monitor.feed`` directly (no Redis, no run
loop); ``--paired-with`` runs that (with ``--redis``: one unsharded monitor through
Redis, the run loop and XREAD) with another checkout's ``src`` and with this one,
alternating three times, and prints the ratios of events per CPU second (a baseline:
``git worktree add /tmp/base COMMIT``, then ``--paired-with /tmp/base/src``). With
``--aggregator`` the in-process figure is ``monitor-aggregate``'s merge alone: the records
two in-process shard monitors publish for the venue (with their deficits at the probes),
added and drained without Redis (timed after the set-up); the catch-up of the
aggregator's book with the changes it deferred, once at the end, is timed apart
(``sync_cpu_seconds``) and counted in ``events_per_cpu_s_with_sync``.

The venue (seeded, deterministic): ``--accounts`` isolated-perp accounts (maintenance 8%,
envelope +-8% per step) whose leverage, notional and side are drawn from the stress
populations' defaults (``solvent.scenarios.population.Population``: leverage
lognormal(5, 0.6) capped below 10x, notional pareto(1.5, 1000) capped at 1,000,000, half
long), an insurance fund of 2% of the open notional, then ``--events`` events: every 20th
a price update following the closes of the built-in crash of 2020-03-12 (BTCUSDT perp,
1 minute; the price halves), the rest an account changing its position (a fresh draw from
the same population at the current price); after each price, the venue's keeper closes
every account below maintenance (liquidation events with ``set``), so under-water
accounts do not pile up (a venue that never liquidates keeps the invariant violated, and
then every event re-evaluates the spec over all accounts to name the failures).

Everything is written into a Redis stream first (a redis-server started on a free port),
then read by the product's run loop (``solvent.monitor.runner.run``) in worker processes:

* ``1`` shard: one ``solvent monitor`` process (XREAD), the exact distance to insolvency
  after every event (closed form, incremental index);
* ``K`` shards: ``K`` processes of ``solvent monitor --group --consumer k/K`` at once
  (consumer groups, a checkpoint at the end or every ``--checkpoint-every`` lines, XACK), then ``monitor-aggregate``
  combining their records into the venue-wide distance (timed on its own: a pipeline runs
  at the pace of its slowest stage). From round 9 the shards wait for each other after
  their set-ups (``--barrier``), so their timed parts start together.

Every worker also times a fixed pure-Python workload before and after its run
(``calib_cpu_before``/``_after``, :func:`calibrate`): the same work in every run, so its
CPU time follows the machine's speed alone (the host's other load on the cores and
caches), a yardstick for the monitor's own CPU time.

Reported per configuration: the first ``accounts + 2`` entries (the venue's set-up) are
not timed; over the rest, events/s and account changes/s (from the moment the set-up is
applied to the moment the last event is), the p99 of the time to process one event
(read to checks done, the bound on event-to-alert inside the process) and of the
run loop's own event-to-alert latency (events that raised an alert), and the peak RSS.
The machine is shared: ``uptime`` load is recorded with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STREAM = "venue"
# the price-move envelope; keeper liveness is left out: the synthetic venue never
# liquidates, so in a crash every under-water account would alert at every step
USED = ["envelope.move.lo", "envelope.move.hi"]
# a shard's checkpoint pickles the accounts it changed (at 100,000 accounts, 2 shards:
# 50,000 each, 0.3-0.7 s of CPU): by default none falls inside the timed part (the single
# process writes none), only the last one; --checkpoint-every sets it
CHECKPOINT_EVERY, CHECKPOINT_SECONDS = 1_000_000, 300.0
#: --concurrent: the aggregator starts with the shards, so it waits out their start-up
CONCURRENT_IDLE = 10.0


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


# ------------------------------------------------------------------ the venue
def venue(
    accounts: int, events: int, seed: int = 21, gap_every: int = 0, gap: float = 0.0
) -> tuple[list[bytes], int]:
    """The event lines and how many of them are set-up. With ``gap_every``, every
    ``gap_every``-th price of the timed part is the crash's close less ``gap`` (a fraction)
    where the crash moves under 1% into and out of it: a gap down then back up, each
    move within ``gap`` +- 1% (``benchmarks/monitor_alerts.py``: alerts in the timed part)."""
    import csv
    from importlib.resources import files

    import numpy as np

    from solvent.scenarios.population import Population

    data = files("solvent.scenarios").joinpath("data/btcusdt_perp_1m_2020-03-12.csv")
    with data.open() as fh:
        closes = [float(r["close"]) for r in csv.DictReader(fh)]
    rng = np.random.default_rng(seed)
    pop = Population(max_notional=1_000_000)
    price = closes[0]

    def draws(n: int) -> dict[str, Any]:
        return pop.sample_detail(rng, 1, n, 1.0)

    def account(a: int, seq: int, ts: float, d: dict[str, Any], i: int, p: float) -> bytes:
        size = d["side"][0, i] * d["notional"][0, i] / p
        quote = d["notional"][0, i] / d["leverage"][0, i] - size * p
        return (
            f'{{"type":"account","ts":{ts},"seq":{seq},"account":{a},'
            f'"set":{{"quote":"{quote:.4f}","size":"{size:.6f}"}}}}'
        ).encode()

    def calm(step: int) -> bool:  # the crash moves under 1% into and out of this step
        around = closes[step - 1 : step + 2]
        return all(abs(b / a - 1) < 0.01 for a, b in zip(around, around[1:], strict=False))

    first = draws(accounts)
    fund = 0.02 * float(first["notional"].sum())
    out = [
        f'{{"type":"price","ts":0,"seq":1,"price":"{price:.2f}"}}'.encode(),
        f'{{"type":"insurance","ts":0,"seq":2,"balance":"{fund:.2f}"}}'.encode(),
    ]
    for a in range(accounts):
        out.append(account(a, 3 + a, 0.0, first, a, price))
    setup = len(out)
    later = draws(events)
    who = rng.integers(0, accounts, size=events)
    size = first["side"][0] * first["notional"][0] / price
    quote = first["notional"][0] / first["leverage"][0] - size * price
    seq, step = setup + 1, 0
    for i in range(events):
        ts = 1.0 + i * 0.001
        if i % 20 == 19:
            step = min(step + 1, len(closes) - 1)
            price = closes[step]
            if gap_every and (i // 20) % gap_every == gap_every - 1 and calm(step):
                price = round(price * (1 - gap), 2)
            out.append(f'{{"type":"price","ts":{ts},"seq":{seq},"price":"{price:.2f}"}}'.encode())
            # the venue's keeper: every account below maintenance (8%) is closed at once
            equity = quote + size * price
            for a in np.nonzero((size != 0) & (equity < 0.08 * np.abs(size) * price))[0]:
                seq += 1
                rest = max(float(equity[a]), 0.0)
                out.append(
                    f'{{"type":"liquidation","ts":{ts},"seq":{seq},"account":{a},'
                    f'"set":{{"quote":"{rest:.4f}","size":"0"}}}}'.encode()
                )
                quote[a], size[a] = float(f"{rest:.4f}"), 0.0
        else:
            a = int(who[i])
            out.append(account(a, seq, ts, later, i, price))
            size[a] = float(f"{later['side'][0, i] * later['notional'][0, i] / price:.6f}")
            quote[a] = float(
                f"{later['notional'][0, i] / later['leverage'][0, i] - size[a] * price:.4f}"
            )
        seq += 1
    return out, setup


# ------------------------------------------------------------------ a worker process
def worker(args: argparse.Namespace) -> None:
    from solvent.models import perp_isolated
    from solvent.monitor.core import Monitor, Options
    from solvent.monitor.runner import RunConfig, run
    from solvent.monitor.sources import RedisSource, StopWhen

    spec = perp_isolated.build(
        name="venue", accounts=args.accounts, initial_margin="0.10",
        maintenance_margin="0.08", max_move="0.08",
    )  # fmt: skip
    used = USED
    shard = None
    if args.consumer:
        from solvent.monitor.shard import GroupSource, Shard

        m = Monitor(spec, used, Options(detector="none", distance="none"))
        src: Any = GroupSource(
            args.url, STREAM, args.group, args.consumer, routed=args.routed,
            stop=StopWhen(idle=1.5),
        )  # fmt: skip
        shard = Shard(src)
    else:
        m = Monitor(spec, used, Options(detector="none", distance="closed"))
        src = RedisSource(args.url, STREAM, stop=StopWhen(idle=1.5))
    marks: dict[str, float] = {}
    count = 0
    batches = src.batches

    def timed_batches() -> Any:  # resumed after the run loop processed the previous batch
        nonlocal count
        last = 0
        asked = time.perf_counter()
        done = (asked, time.time(), time.process_time())
        for batch in batches():
            now = time.perf_counter()
            if batch and "setup" in marks:  # the run loop waited this long for it
                marks["read_wait"] = marks.get("read_wait", 0.0) + now - asked
            if last:  # the previous (non-empty) batch is done: the time it was (from round
                # 19; before, the time the next read returned, up to block_ms later)
                marks["end"], marks["wall_end"], marks["cpu_end"] = done
            if count >= args.setup and "setup" not in marks:
                if args.barrier:  # every shard done with its set-up before any times
                    now = barrier(args.barrier, args.consumer)
                marks["setup"], marks["at"], marks["wall_start"] = now, count, time.time()
                marks["cpu_setup"] = time.process_time()
            yield batch
            asked = time.perf_counter()
            done = (asked, time.time(), time.process_time())
            last = len(batch)
            count += last
        if last:
            marks["end"], marks["wall_end"], marks["cpu_end"] = done
        marks["over"] = 1.0  # the source ended: what follows (the last checkpoint) is untimed

    src.batches = timed_batches
    per_event = timed_feed(m, lambda: count >= args.setup)
    gens = [0, 0, 0]
    # the collections inside the timed part (before round 20 also those of a shard's last
    # checkpoint, after its source ended: 12 young ones at 100,000 accounts, 2 shards)
    pauses = gc_pauses(lambda: count >= args.setup and "over" not in marks, gens)
    calib_before = 0.0 if args.no_calib else calibrate()
    cfg = RunConfig(
        alerts=args.alerts, quarantine=None, checkpoint=args.checkpoint,
        checkpoint_every=args.checkpoint_every, checkpoint_seconds=CHECKPOINT_SECONDS,
    )  # fmt: skip
    summary = run(m, src, cfg, shard=shard)
    gc_timed = list(pauses)  # (the calibration below collects too: not the run's)
    gc_gens = list(gens)
    calib_after = 0.0 if args.no_calib else calibrate()
    end = marks.get("end", 0.0)
    timed = count - marks.get("at", count)
    seconds = end - marks.get("setup", end)
    per_event.sort()
    res = {
        "consumer": args.consumer or "single",
        "lines": count,
        "timed_lines": timed,
        "seconds": seconds,
        "cpu_seconds": marks.get("cpu_end", 0.0) - marks.get("cpu_setup", 0.0),
        "start": marks.get("setup"),
        "end": end,
        "wall_start": marks.get("wall_start"),
        "wall_end": marks.get("wall_end"),
        "p99_event_ms": 1e3 * per_event[int(0.99 * (len(per_event) - 1))] if per_event else None,
        "max_event_ms": 1e3 * per_event[-1] if per_event else None,
        "p99_alert_ms": None
        if summary.percentile(0.99) is None
        else 1e3 * summary.percentile(0.99),
        "alerts": summary.alerts,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "gc_collections": len(gc_timed),
        "gc_seconds": sum(gc_timed),
        "gc_max_ms": 1e3 * max(gc_timed, default=0.0),
        "gc_generations": gc_gens,
        "events_applied": m.counters.events,
        "read_wait_seconds": marks.get("read_wait", 0.0),
        "setup": args.setup,
        "calib_cpu_before": calib_before,
        "calib_cpu_after": calib_after,
        "load": load(),
    }
    print(json.dumps(res))


def timed_feed(m: Any, timed: Any) -> list[float]:
    """The seconds each ``m.feed`` takes while ``timed()`` (filled in as it runs)."""
    per_event: list[float] = []
    feed = m.feed

    def timed_one(line: bytes) -> Any:
        t0 = time.perf_counter()
        out = feed(line)
        if timed():
            per_event.append(time.perf_counter() - t0)
        return out

    m.feed = timed_one
    return per_event


def barrier(folder: str, consumer: str) -> float:
    """Tell the driver this shard's set-up is applied, wait until every shard's is (the
    driver writes ``go``); return the time. Without it a shard that finished its set-up
    first timed its events while the others still applied theirs on the same cores, and
    the shards' span (first start to last end) counted that stagger (rounds 5-8)."""
    Path(folder, "ready-" + consumer.replace("/", "-")).write_text("")
    go = Path(folder, "go")
    while not go.exists():
        time.sleep(0.005)
    return time.perf_counter()


def release(folder: str, procs: list[subprocess.Popen[bytes]], ready: Any = None) -> None:
    """Write ``go`` once every shard process is ready (or one of them ended), and the
    aggregator (``ready``, with ``--concurrent``) has its set-up."""
    while len(list(Path(folder).glob("ready-*"))) < len(procs) or (
        ready is not None and not ready.is_set()
    ):
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.005)
    Path(folder, "go").write_text("")


def calibrate(rounds: int = 5) -> float:
    """CPU seconds of a fixed pure-Python workload (exact sums over a shuffled list of
    200,000 Fractions, the monitor's kind of work: objects scattered over the heap), the
    least of ``rounds``: the same work, so it differs between runs only with the machine
    (the host's load on the cores and caches, their clock). The monitor's CPU time over
    it is a figure that the machine's state divides out of (round 9)."""
    import random
    from fractions import Fraction

    rng = random.Random(9)
    xs = [Fraction(rng.randrange(1, 10**12), 10**6) for _ in range(200_000)]
    rng.shuffle(xs)
    best = float("inf")
    for _ in range(rounds):
        c = time.process_time()
        total = 0
        for x in xs:
            total += x.numerator * 1_000_000 // x.denominator
        best = min(best, time.process_time() - c)
    return best


def gc_pauses(timed: Any, gens: list[int] | None = None) -> list[float]:
    """The wall time of every collection of Python's cyclic collector while ``timed()``
    (the timed part of a worker), filled in as they happen (``gc.callbacks``); ``gens``,
    if given, counts them by generation (0, 1, 2)."""
    import gc

    out: list[float] = []
    start = [0.0]

    def hook(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            start[0] = time.perf_counter()
        elif timed():
            out.append(time.perf_counter() - start[0])
            if gens is not None:
                gens[_info["generation"]] += 1

    gc.callbacks.append(hook)
    return out


def aggregate(
    url: str, accounts: int, shards: int, setup: int, idle_exit: float = 1.5, ready: Any = None
) -> dict[str, Any]:
    """``monitor-aggregate``'s loop over the shards' records (written before it starts,
    or, with ``--concurrent``, while the shards write them): CPU and wall time of the
    whole stream, and of the events after the set-up alone; ``clock_end``: the wall clock
    (``time.time()``) when it had combined the last event. ``ready`` (a threading.Event,
    with ``--concurrent``) is set once it has combined the set-up and put it in its book:
    the shards start their timed parts only then, as they do after their own set-ups."""
    import redis

    from solvent.models import perp_isolated
    from solvent.monitor.aggregate import Aggregator, run_aggregate
    from solvent.monitor.core import Options

    spec = perp_isolated.build(
        name="venue", accounts=accounts, initial_margin="0.10",
        maintenance_margin="0.08", max_move="0.08",
    )  # fmt: skip
    agg = Aggregator(spec, USED, shards, Options())
    apply = agg.monitor.apply_event
    fast = getattr(agg, "fast", None)
    marks: dict[str, float] = {"sync_cpu": 0.0}
    timed = 0  # events combined in the timed part (from the monitor's count: from round 24
    base = [-1]  # a run of them may be combined at once, from the shards' pieces)

    def mark_end() -> None:
        # per event only the wall clocks (no system call: from round 22 the CPU clock is
        # read once per drain, after its last event, by cpu_mark; before, a process_time
        # call per event, about 1 us, was counted in the aggregator's CPU)
        nonlocal timed
        if base[0] >= 0 and agg.monitor.counters.events - base[0] > timed:
            timed = agg.monitor.counters.events - base[0]
            marks["wall_end"], marks["clock_end"] = time.perf_counter(), time.time()
            marks["seen"] = timed

    def cpu_mark() -> None:  # after a drain: the CPU at its last event (at most the
        if timed and marks.get("seen") != marks.get("cpu_seen"):  # drain's tail later)
            marks["cpu_end"], marks["cpu_seen"] = time.process_time(), marks["seen"]
            marks["sync_in"] = marks["sync_cpu"]  # catch-up so far: inside the timed part

    def timed_event(seq: int) -> None:
        if seq > setup and base[0] < 0:
            if fast is not None:  # the set-up's deferred changes, before the timing
                sync()
            last_sync[0] = 0.0  # (no event of the timed part waited for that)
            marks["cpu"], marks["wall"] = time.process_time(), time.perf_counter()
            base[0] = agg.monitor.counters.events

    waits: list[float] = []  # per event: read to alerts, with any catch-up it waited for
    last_sync = [0.0]  # the wall time of the catch-up slice just before an applied event

    def timed_apply(event: Any, ts: float, line: bytes = b"") -> Any:
        if fast is None:  # an aggregator without the probe sums: every event comes here
            timed_event(event.seq)
        t = time.perf_counter()
        out = apply(event, ts, line)
        if timed:
            waits.append(time.perf_counter() - t + last_sync[0])
        last_sync[0] = 0.0
        mark_end()
        return out

    agg.monitor.apply_event = timed_apply  # type: ignore[method-assign]
    drain = agg.drain

    def drain_then_tell() -> list[dict[str, Any]]:
        out = drain()
        cpu_mark()
        if ready is not None and not ready.is_set() and agg.done is not None and agg.done >= setup:
            agg.sync()  # the set-up's deferred accounts into the book, then go
            ready.set()
        return out

    agg.drain = drain_then_tell  # type: ignore[method-assign]
    if fast is not None:  # every event is offered to the probe sums first
        take, sync = fast.take, fast.sync

        def timed_take(rec: dict[str, Any], group: list[dict[str, Any]]) -> bool:
            timed_event(int(rec["seq"]))
            t = time.perf_counter()
            out = take(rec, group)  # with the slice of catch-up it may put in
            if out and timed:
                waits.append(time.perf_counter() - t)
                last_sync[0] = 0.0
            mark_end()
            return out

        def timed_sync(limit: int | None = None) -> None:  # the deferred changes into the book
            c, t = time.process_time(), time.perf_counter()
            sync() if limit is None else sync(limit)  # (a tree before slices: no limit)
            last_sync[0] += time.perf_counter() - t
            if timed:
                marks["sync_cpu"] += time.process_time() - c
                marks["sync_max"] = max(marks.get("sync_max", 0.0), time.perf_counter() - t)

        fast.take, fast.sync = timed_take, timed_sync  # type: ignore[method-assign]
        certify = getattr(fast, "certify", None)
        if certify is not None:  # a run of the shards' pieces at once (round 24)

            def timed_certify(pieces: list[Any]) -> bool:
                timed_event(pieces[0].q[0])
                out = certify(pieces)
                mark_end()
                return bool(out)

            fast.certify = timed_certify  # type: ignore[method-assign]
    import gc

    client = redis.Redis.from_url(url)
    if idle_exit != 1.5:  # --concurrent: its idle time counts from the shards' first records
        from solvent.monitor.shard import ShardName, record_stream

        first = [record_stream(STREAM, ShardName(k, shards)) for k in range(shards)]
        deadline = time.monotonic() + 600
        while not all(client.exists(x) for x in first) and time.monotonic() < deadline:
            time.sleep(0.02)
    pauses = gc_pauses(lambda: timed > 0)  # the collections inside the timed part
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        s = run_aggregate(agg, client, STREAM, write=lambda d: None, idle_exit=idle_exit)
    finally:
        gc.callbacks.pop()
    cpu = time.process_time() - c0
    seconds = time.perf_counter() - t0 - idle_exit
    return {
        "records": s.records, "events": s.events, "seconds": seconds, "cpu_seconds": cpu,
        "timed_events": timed,
        "timed_cpu_seconds": marks.get("cpu_end", 0.0) - marks.get("cpu", 0.0),
        "timed_seconds": marks.get("wall_end", 0.0) - marks.get("wall", 0.0),
        "clock_end": marks.get("clock_end"),
        # the catch-up after the last event (outside the timed part; the slices put in
        # between events are in it: sync_in_cpu_seconds)
        "sync_cpu_seconds": marks["sync_cpu"] - marks.get("sync_in", 0.0),
        "sync_in_cpu_seconds": marks.get("sync_in", 0.0),
        "sync_max_ms": 1e3 * marks.get("sync_max", 0.0),
        "p99_event_ms": 1e3 * sorted(waits)[int(0.99 * (len(waits) - 1))] if waits else None,
        "max_event_ms": 1e3 * max(waits) if waits else None,
        "gc_collections": len(pauses), "gc_max_ms": 1e3 * max(pauses, default=0.0),
        "distance": None if s.distance is None else float(s.distance),
        "waiting": s.waiting,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "load": load(),
    }  # fmt: skip


# ------------------------------------------------------------------ in process, paired
def in_process(accounts: int, events: int) -> dict[str, Any]:
    """The venue fed to ``Monitor.feed`` directly (no Redis, no run loop): the monitor's
    own cost per event, CPU and wall time of the timed part (after the set-up)."""
    from solvent.models import perp_isolated
    from solvent.monitor.core import Monitor, Options

    lines, setup = venue(accounts, events)
    spec = perp_isolated.build(
        name="venue", accounts=accounts, initial_margin="0.10",
        maintenance_margin="0.08", max_move="0.08",
    )  # fmt: skip
    m = Monitor(spec, USED, Options(detector="none", distance="closed"))
    for line in lines[:setup]:
        m.feed(line)
    rest = lines[setup:]
    cpu, wall = time.process_time(), time.perf_counter()
    for line in rest:
        m.feed(line)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"events": len(rest), "cpu_seconds": cpu, "wall_seconds": wall,
            "events_per_cpu_s": len(rest) / cpu, "distance": m.distance_f,
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "load": load()}  # fmt: skip


def shard_records(spec: Any, lines: list[bytes], shards: int) -> list[list[dict[str, Any]]]:
    """The records ``shards`` shards publish for the venue: in-process shard monitors fed
    their own lines (prices and fund to every shard, each account's to its owner), each
    record made as a shard process makes it (with its deficits at the probes); with a
    solvent before those (``--paired-with`` an older tree) the records of the old layout."""
    from solvent.monitor.core import Monitor, Options
    from solvent.monitor.shard import owner

    recs: list[list[dict[str, Any]]] = [[] for _ in range(shards)]
    try:
        from solvent.monitor.shard import record_of
    except ImportError:  # an older solvent: its aggregator reads no vectors
        record_of = None
    if record_of is not None:
        parts = [Monitor(spec, USED, Options(detector="none")) for _ in range(shards)]
        for line in lines:
            d = json.loads(line)
            home = owner(d["account"], shards) if "account" in d else None
            for k, m in enumerate(parts):
                if home is None or home == k:
                    before = m.counters.events
                    alerts = m.feed(line)[0]
                    if m.counters.events > before or alerts:
                        recs[k].append(record_of(m, line, m.counters.events > before, alerts))
        return recs
    for line in lines:
        d = json.loads(line)
        r = {"seq": d["seq"], "ts": d["ts"], "type": d["type"]}
        if d["type"] in ("price", "insurance"):
            if d["type"] == "price":
                r["price"] = d["price"]
            else:
                r["fund"] = {"insurance": d["balance"], "bad_debt": "0"}
            for q in recs:
                q.append(dict(r))
        else:
            r.update(account=d["account"], quote=d["set"]["quote"], size=d["set"]["size"])
            recs[owner(d["account"], shards)].append(r)
    return recs


def aggregator_after_setup(
    agg: Any, recs: list[list[dict[str, Any]]], setup: int
) -> tuple[Any, list[list[dict[str, Any]]]]:
    """``agg`` given the set-up's records (its book brought up to date with them); the
    records after the set-up, per shard."""
    for k, q in enumerate(recs):
        for r in q:
            if r["seq"] <= setup:
                agg.add(k, r)
        agg.add(k, {"mark": setup})
    agg.drain()
    if hasattr(agg, "sync"):  # the set-up's deferred account changes, before the timing
        agg.sync()
    return agg, [[r for r in q if r["seq"] > setup] for q in recs]


def aggregator_in_process(accounts: int, events: int, shards: int = 2) -> dict[str, Any]:
    """The aggregator alone (no Redis): the records ``shards`` shards publish for the venue
    (prices and fund to every shard, each account's to its owner) added in reads of 2,000
    and drained; CPU and wall time of the events after the set-up."""
    from solvent.models import perp_isolated
    from solvent.monitor.aggregate import Aggregator
    from solvent.monitor.core import Options

    lines, setup = venue(accounts, events)
    spec = perp_isolated.build(
        name="venue", accounts=accounts, initial_margin="0.10",
        maintenance_margin="0.08", max_move="0.08",
    )  # fmt: skip
    recs = shard_records(spec, lines, shards)
    agg, rest = aggregator_after_setup(Aggregator(spec, USED, shards, Options()), recs, setup)
    e0 = agg.monitor.counters.events
    cpu, wall = time.process_time(), time.perf_counter()
    add_all = getattr(agg, "add_all", None)  # an entry's records at once (round 22), as
    for i in range(0, max(len(q) for q in rest), 2000):  # run_aggregate adds them
        for k, q in enumerate(rest):
            if add_all is not None:
                add_all(k, q[i : i + 2000])
                continue
            for r in q[i : i + 2000]:
                agg.add(k, r)
        agg.drain()
    for k in range(shards):
        agg.add(k, {"mark": 1 << 62})
    agg.drain()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    # the deferred account changes into the book (once, when the distance is asked): timed
    # apart, as it is paid once per read of the distance, not per event
    sync = time.process_time()
    if hasattr(agg, "sync"):
        agg.sync()
    sync = time.process_time() - sync
    n = agg.monitor.counters.events - e0
    m = agg.monitor
    assert m.book is not None
    return {"events": n, "cpu_seconds": cpu, "wall_seconds": wall,
            "events_per_cpu_s": n / cpu, "sync_cpu_seconds": sync,
            "events_per_cpu_s_with_sync": n / (cpu + sync),
            "distance": float(m.book.distance(m.price()).value or 0),
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "load": load()}  # fmt: skip


def paired(baseline_src: str, args: argparse.Namespace, repeat: int = 3) -> None:
    """``--in-process`` (or, with ``--redis``, one unsharded monitor through Redis: the
    run loop, XREAD) with the baseline's sources and with these, alternating which runs
    first from one pair to the next (round 22; before, the baseline always ran first)."""
    here = str(HERE.parent / "src")
    size = ["--accounts", str(args.accounts), "--events", str(args.events)]
    cmd = [sys.executable, __file__, *size]
    cmd += ["--shards", "1"] if args.redis else ["--in-process"]
    cmd += ["--aggregator"] if args.aggregator else []
    rates: dict[str, list[float]] = {"baseline": [], "this": []}
    for k in range(repeat):
        pair = (("baseline", baseline_src), ("this", here))
        for name, src in pair if k % 2 == 0 else pair[::-1]:
            env = {**os.environ, "PYTHONPATH": src}
            out = subprocess.run(cmd, env=env, capture_output=True, check=True, text=True)
            if args.redis:  # the JSON line of the configuration: the single process's row
                doc = next(json.loads(x) for x in out.stdout.splitlines() if x.startswith("{"))
                r = doc["results"][0]
                row = {"events": r["timed_lines"], "cpu_seconds": r["cpu_seconds"],
                       "wall_seconds": r["seconds"], "p99_event_ms": r["p99_event_ms"],
                       "max_event_ms": r.get("max_event_ms"),
                       "events_per_cpu_s": r["timed_lines"] / r["cpu_seconds"],
                       "rss_mib": r["rss_mib"], "load": r["load"]}  # fmt: skip
            else:
                row = json.loads(out.stdout.strip().splitlines()[-1])
            rates[name].append(row["events_per_cpu_s"])
            print(json.dumps({"run": name, "pair": k, **row}), flush=True)
    ratios = [t / b for t, b in zip(rates["this"], rates["baseline"], strict=True)]
    print(json.dumps({"ratio_per_cpu_s": sorted(ratios), "load": load()}))


# ------------------------------------------------------------------ the index alone
def index_position(rng: Any) -> tuple[Fraction, Fraction]:
    """A position of ``--index-only``'s book at the price 7,900: size, and quote in cents,
    as a venue's amounts are (before round 19 the quote was ``7900/lev`` exactly: with
    leverage 3 or 9 not a decimal, so the book answered by its O(N) walk after every
    change, and the run did not finish at 100,000 accounts)."""
    s = Fraction(rng.randint(1, 50_000), 10_000) * rng.choice((1, -1))
    lev = rng.choice((2, 3, 5, 8, 9))
    return Fraction(round((-s * 7900 + abs(s) * Fraction(7900, lev)) * 100), 100), s


def index_cost(sizes: list[int], changes: int = 2000, seed: int = 3) -> list[dict[str, Any]]:
    """Per account change: the incremental book (set_account + its interval) against the
    full recomputation (the exact walk over a book rebuilt from scratch), same changes."""
    import random
    from fractions import Fraction as F

    from solvent.monitor.book import PerpBook

    out = []
    for n in sizes:
        rng = random.Random(seed)
        book = PerpBook(n, F(8, 100))
        for a in range(n):
            book.set_account(a, *index_position(rng))
        book.set_fund(F(n * 50), F(0))
        p = F(7900)
        t0 = time.perf_counter()
        for _ in range(changes):
            book.set_account(rng.randrange(n), *index_position(rng))
            book.interval(p)
        inc = (time.perf_counter() - t0) / changes
        reps = max(3, min(50, 200_000 // n))
        t0 = time.perf_counter()
        walked: Any = None
        for _ in range(reps):
            e0, dn, up = book._at(p)  # the walk: O(accounts) from the price outward
            if e0 <= 0:
                walked = book._walk_down(p, e0, dn), book._walk_up(p, e0, up)
        full = (time.perf_counter() - t0) / reps
        out.append({"accounts": n, "incremental_us": inc * 1e6, "walk_us": full * 1e6,
                    "not_scaled": book.not_scaled, "equal": walked == book.interval(p),
                    "load": load()})  # fmt: skip
    return out


# ------------------------------------------------------------------ the driver
def start_redis(folder: str) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    import redis

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", folder,
         "--save", "", "--appendonly", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(200):
        try:
            redis.Redis.from_url(url).ping()
            return proc, url
        except redis.RedisError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def command_stats(client: Any) -> dict[str, dict[str, float]]:
    """redis-server's own count of each command since the last CONFIG RESETSTAT and the
    CPU it spent in them (``INFO commandstats``: calls, usec), the set-up's reads
    included."""
    out = {}
    for name, v in client.info("commandstats").items():
        out[name.removeprefix("cmdstat_")] = {"calls": v["calls"], "usec": v["usec"]}
    return out


def run_config(
    url: str,
    shards: int,
    args: argparse.Namespace,
    tmp: str,
    setup: int,
    setups: list[int],
    redis_pid: int | None = None,
) -> Any:
    """One configuration: the single process, or the shards at once then the aggregator.
    ``setups``: the set-up lines in each routed shard stream (``setup`` in the one stream).
    With ``redis_pid``, ``agg`` gets ``redis_cpu_shards``: redis-server's CPU while the
    shards ran (before the aggregator's reads)."""
    base = [sys.executable, __file__, "--worker", "--url", url, "--accounts", str(args.accounts),
            "--checkpoint-every", str(args.checkpoint_every)]  # fmt: skip
    if args.concurrent:  # nothing but the pipeline on the cores (the single one too)
        base.append("--no-calib")
    if shards == 1:
        cmds = [base + ["--setup", str(setup), "--alerts", os.path.join(tmp, "single.jsonl")]]
    else:
        routed = not args.one_stream
        cmds = [
            base + ["--setup", str(setups[k] if routed else setup),
                    "--group", f"bench{shards}", "--consumer", f"{k}/{shards}",
                    "--checkpoint", os.path.join(tmp, f"s{shards}-{k}.ckpt"),
                    "--alerts", os.path.join(tmp, f"s{shards}-{k}.jsonl"),
                    *(["--routed"] if routed else [])]
            for k in range(shards)
        ]  # fmt: skip
    gate = ""
    if shards > 1:  # the shards start their timed parts together (see barrier)
        gate = os.path.join(tmp, f"barrier{shards}")
        os.makedirs(gate)
        cmds = [c + ["--barrier", gate] for c in cmds]
    r0 = cpu_of(redis_pid) if redis_pid else 0.0
    at_once: dict[str, Any] = {}
    thread = None
    ready = None
    if args.concurrent and shards > 1:  # the aggregator reads while the shards publish
        import threading

        ready = threading.Event()

        def agg_now() -> None:
            try:
                at_once.update(aggregate(url, args.accounts, shards, setup, CONCURRENT_IDLE, ready))
            finally:
                ready.set()  # (never leave the shards waiting)

        thread = threading.Thread(target=agg_now)
        thread.start()
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE) for c in cmds]
    go = 0.0
    r_go = None
    if gate:
        release(gate, procs, ready)
        go = time.time()
        r_go = cpu_of(redis_pid) if redis_pid else None
    results = [json.loads(p.communicate()[0].decode().strip().splitlines()[-1]) for p in procs]
    r1 = cpu_of(redis_pid) if redis_pid else 0.0
    if thread is not None:
        thread.join()
        agg: dict[str, Any] | None = at_once
        # the pipeline: from the shards' release to the aggregator's last event combined
        at_once["pipeline_seconds"] = (at_once["clock_end"] or go) - go
    else:
        agg = aggregate(url, args.accounts, shards, setup) if shards > 1 else None
    if agg is not None and redis_pid:
        agg["redis_cpu_shards"] = r1 - r0
        if r_go is not None:  # from the release (the set-up's reads left out)
            agg["redis_cpu_timed"] = r1 - r_go
    return results, agg


def write_streams(client: Any, lines: list[bytes], setup: int, counts: list[int]) -> Any:
    """The one stream, and for each shard count the routed streams (the producer's side:
    solvent.monitor.route.Router); the set-up lines of every routed stream."""
    from solvent.monitor.route import Router, routed_stream
    from solvent.monitor.shard import ShardName

    pipe = client.pipeline(transaction=False)
    for i, line in enumerate(lines):
        pipe.xadd(STREAM, {"event": line})
        if i % 5000 == 4999:
            pipe.execute()
    pipe.execute()
    setups: dict[int, list[int]] = {}
    for n in counts:
        if n == 1:
            continue
        router = Router(client, STREAM, n)
        router.send(lines[:setup])
        names = [routed_stream(STREAM, ShardName(k, n)) for k in range(n)]
        setups[n] = [client.xlen(x) for x in names]
        for i in range(setup, len(lines), 5000):
            router.send(lines[i : i + 5000])
    return setups


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=50_000)
    ap.add_argument("--shards", default="1,2,4")
    ap.add_argument("--out", default=None)
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--url")
    ap.add_argument("--setup", type=int, default=0)
    ap.add_argument("--group")
    ap.add_argument("--consumer")
    ap.add_argument("--checkpoint")
    ap.add_argument("--alerts")
    ap.add_argument("--checkpoint-every", type=int, default=CHECKPOINT_EVERY, metavar="LINES")
    ap.add_argument("--routed", action="store_true", help="(worker) read the routed stream")
    ap.add_argument("--barrier", help="(worker) wait here after the set-up (see barrier)")
    ap.add_argument(
        "--one-stream", action="store_true",
        help="shards read the one stream (each reads every line) instead of routed streams",
    )  # fmt: skip
    ap.add_argument("--index-only", action="store_true", help="time the index alone")
    ap.add_argument(
        "--concurrent", action="store_true",
        help="run the aggregator while the shards run (the pipeline's wall time)",
    )  # fmt: skip
    ap.add_argument("--no-calib", action="store_true", help="(worker) skip calibrate()")
    ap.add_argument("--in-process", action="store_true", help="Monitor.feed alone, no Redis")
    ap.add_argument("--paired-with", metavar="SRC", help="--in-process against these sources")
    ap.add_argument("--redis", action="store_true", help="--paired-with: through Redis")
    ap.add_argument(
        "--aggregator", action="store_true",
        help="--in-process, --paired-with: the aggregator alone over 2 shards' records",
    )  # fmt: skip
    args = ap.parse_args()
    if args.paired_with:
        paired(args.paired_with, args)
        return 0
    if args.in_process:
        run_it = aggregator_in_process if args.aggregator else in_process
        print(json.dumps(run_it(args.accounts, args.events)))
        return 0
    if args.index_only:
        for row in index_cost([1_000, 10_000, 100_000]):
            print(json.dumps(row), flush=True)
        return 0
    if args.worker:
        worker(args)
        return 0
    import redis

    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines, setup = venue(args.accounts, args.events)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_redis(tmp)
        try:
            client = redis.Redis.from_url(url)
            counts = [int(x) for x in args.shards.split(",")]
            setups = write_streams(client, lines, setup, counts)
            for k in counts:
                load_before = load()
                redis_cpu = cpu_of(proc.pid)
                client.config_resetstat()
                results, agg = run_config(
                    url, k, args, tmp, setup, setups.get(k, []), redis_pid=proc.pid
                )
                redis_cpu = cpu_of(proc.pid) - redis_cpu  # the shards and the aggregator
                rows.append((k, load_before, results, agg, redis_cpu))
                print(json.dumps({"shards": k, "results": results, "aggregate": agg,
                                  "redis_cpu_seconds": redis_cpu,
                                  "redis_commands": command_stats(client)}), flush=True)  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(10)
    prices = sum(1 for x in lines[setup:] if x.startswith(b'{"type":"price"'))
    report = render(rows, args, started, len(lines) - setup, 1 - prices / (len(lines) - setup))
    print(report)
    if args.out:
        Path(args.out).write_text(report)
    return 0


def render(
    rows: list[Any], args: argparse.Namespace, started: str, timed: int, accounts_share: float
) -> str:
    mode = "the one stream" if args.one_stream else "their routed streams (`--routed`)"
    out = [
        "# `solvent monitor` at venue scale",
        "",
        f"Command: `python benchmarks/monitor_scale.py --accounts {args.accounts} "
        f"--events {args.events} --shards {args.shards}"
        f"{' --one-stream' if args.one_stream else ''}"
        f"{' --concurrent' if args.concurrent else ''}` (run {started}; Python "
        f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores shared "
        "with other jobs; load averages (1, 5, 15 min) recorded before each configuration "
        "and in each process at its end).",
        "",
        f"{args.accounts:,} accounts set up first (not timed), then {timed:,} events "
        f"({accounts_share:.1%} account changes and liquidations, the rest prices of the "
        "2020-03-12 crash); one process reads the one Redis stream, shards read "
        f"{mode}; a process's timing starts at its first batch (up to 1,000 lines) after "
        "its set-up. CPU s is user + system time of that process over its timed part.",
        "",
        "| shards | process | lines read (timed) | wall s | CPU s | lines per CPU s | "
        "venue account changes/s (wall) | venue account changes per CPU s | "
        "p99 per event | alerts | peak RSS | load |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    changes = timed * accounts_share
    for k, load_before, results, agg, redis_cpu in rows:
        for r in results:
            cpu, sec, n = r["cpu_seconds"], r["seconds"], r["timed_lines"]
            single = r["consumer"] == "single"
            wall = f"{n * accounts_share / sec:,.0f}" if single and sec > 0 else ""
            per_cpu = f"{n * accounts_share / cpu:,.0f}" if single and cpu > 0 else ""
            out.append(
                f"| {k} | {r['consumer']} | {n:,} | {sec:.2f} | {cpu:.2f} | "
                f"{n / cpu if cpu > 0 else float('nan'):,.0f} | {wall} | {per_cpu} | "
                f"{r['p99_event_ms']:.3f} ms | {r['alerts']} | {r['rss_mib']:,.0f} MiB | "
                f"{load_before} -> {r['load']} |"
            )
        if len(results) > 1:
            start = min(r["wall_start"] for r in results)
            end = max(r["wall_end"] for r in results)
            # a shard's CPU for all its lines after the set-up (its timing starts at the
            # first batch after it): its timed CPU scaled by lines after set-up / timed
            busiest = max(
                r["cpu_seconds"] * (r["lines"] - r["setup"]) / r["timed_lines"] for r in results
            )
            out.append(
                f"| {k} | all shards together (per CPU s: of the busiest shard) | {timed:,} | "
                f"{end - start:.2f} | {busiest:.2f} | | {changes / (end - start):,.0f} | "
                f"{changes / busiest:,.0f} | | | | |"
            )
        if agg is not None:
            n, cpu = agg["timed_events"], agg["timed_cpu_seconds"]
            p99 = (
                ""
                if agg.get("p99_event_ms") is None
                else (f"{agg['p99_event_ms']:.3f} ms (max {agg['max_event_ms']:.1f} ms)")
            )
            how = (
                "at once with the shards"
                if "pipeline_seconds" in agg
                else "alone, after the shards"
            )
            out.append(
                f"| {k} | aggregator ({how}) | {n:,} events | "
                f"{agg['timed_seconds']:.2f} | {cpu:.2f} | {n / cpu if cpu > 0 else 0:,.0f} | "
                f"{n * accounts_share / agg['timed_seconds'] if agg['timed_seconds'] else 0:,.0f} | "
                f"{n * accounts_share / cpu if cpu > 0 else 0:,.0f} | {p99} | | "
                f"{agg['rss_mib']:,.0f} MiB | {agg['load']} |"
            )
            span = agg.get("pipeline_seconds")
            if span:  # --concurrent: the whole pipeline's pace
                out.append(
                    f"| {k} | pipeline: shards and aggregator at once (release to last event "
                    f"combined) | {timed:,} | {span:.2f} | | | {changes / span:,.0f} | | | | | |"
                )
            sync = agg.get("sync_cpu_seconds", 0.0)
            if sync:  # the deferred account changes put into the book once, at the end
                out.append(
                    f"| {k} | aggregator's book brought up to date (once, at the end) | | | "
                    f"{sync:.2f} | | | {n * accounts_share / (cpu + sync):,.0f} (with it) | "
                    "| | | |"
                )
        out.append(f"| {k} | redis-server (whole stream, all readers) | | | {redis_cpu:.2f} "
                   "| | | | | | | |")  # fmt: skip
        if agg is not None and "redis_cpu_shards" in agg:
            out.append(f"| {k} | redis-server while the shards ran | | | "
                       f"{agg['redis_cpu_shards']:.2f} | | | | | | | |")  # fmt: skip
        if agg is not None and "redis_cpu_timed" in agg:
            out.append(f"| {k} | redis-server from the release to the shards' end (their "
                       f"timed parts) | | | {agg['redis_cpu_timed']:.2f} | | | | | | | |")  # fmt: skip
    out += ["", *stage_costs(rows, timed)]
    return "\n".join(out)


def stage_costs(rows: list[Any], timed: int) -> list[str]:
    """CPU microseconds per timed event of each stage (round 22): each process's timed
    CPU, redis-server's over the timed parts where it is known (else over the whole
    configuration, its set-up's reads included), over the timed events."""
    out = [
        "CPU per timed event (microseconds; redis-server's from the release when "
        "measured, else with the set-up's reads):",
        "",
    ]
    for k, _load, results, agg, redis_cpu in rows:
        parts = [f"{r['consumer']} {1e6 * r['cpu_seconds'] / timed:.1f}" for r in results]
        total = sum(r["cpu_seconds"] for r in results)
        if agg is not None:
            parts.append(f"aggregator {1e6 * agg['timed_cpu_seconds'] / timed:.1f}")
            total += agg["timed_cpu_seconds"]
        red = agg.get("redis_cpu_timed", redis_cpu) if agg is not None else redis_cpu
        parts.append(f"redis-server {1e6 * red / timed:.1f}")
        out.append(f"- {k} shard(s): " + ", ".join(parts)
                   + f"; all stages {1e6 * (total + red) / timed:.1f}")  # fmt: skip
    return out


if __name__ == "__main__":
    sys.exit(main())
