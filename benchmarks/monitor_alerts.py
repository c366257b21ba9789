"""Event-to-alert latency at venue scale, measured from the event's arrival to the sink.

    python benchmarks/monitor_alerts.py [--accounts 100000] [--events 20000]
        [--rate 5000] [--shards 1,2] [--gap-every 10 --gap 0.06 --max-move 0.05]

The venue of ``benchmarks/monitor_scale.py`` (seeded), with alerts in its timed part:
every ``--gap-every``-th price of the crash is the close less ``--gap`` (6%), so the price
gaps down and back up beyond the envelope of the spec (``--max-move``: +-4.5% a step),
where the crash itself moves under 1% (each move 5% to 7%: under the 8% maintenance, so a
gap leaves no account at maintenance below zero equity, and the keeper's liquidations
follow as in the plain venue): two envelope alerts (``move.lo``, ``move.hi``) per gap,
besides the crash's own moves beyond 4.5%. (A gap on top of the crash's own 7% moves
took accounts below zero equity: the invariant's critical alert, whose report attaches
the whole state, took 3-5 s at 100,000 accounts.)

``--below-zero`` (round 23) is that venue's worst moment: each gap is 12%, beyond the 8%
maintenance, so the accounts above 12x or so go below zero equity: the invariant's
critical alert (``solvent``), the keeper's liquidations while it stays broken, then
``solvent.resolved``, besides the envelope's two alerts a gap. Its whole-state report
follows each invariant alert in the sink (not timed: the alert's time is its own write).

Unlike ``monitor_scale.py`` (every line written before the monitor reads), the venue
arrives as it would live: its set-up (the price, the fund, one line per account) is
written first and applied by every process (not timed); then this driver writes the
timed events at ``--rate`` events a second, in a pipeline every 10 ms, each event's
``ts`` the wall clock (``time.time()``) when it was written. An alert's latency is the
wall clock when it reached its sink less its event's ``ts``:

* ``1`` shard: one ``solvent monitor`` process (XREAD, the run loop), the alert written to
  its JSON-lines file (the run loop yields it once written: the time is taken then);
* ``K`` shards: ``K`` processes of ``solvent monitor --group --consumer k/K --routed``
  (the driver routes the lines as ``solvent.monitor.route.Router`` does) and one
  ``monitor-aggregate`` process (``run_aggregate``) whose written alert is the one timed
  (the shards' envelope alerts are forwarded once; distance and invariant alerts are its
  own).

Reported per process: p50, p99 and max of the latency over the timed part's alerts, the
alerts' count, CPU seconds of the timed part, the p99 and max of one event's processing
(read to checks done, ``Monitor.feed``), peak RSS; the driver's lag behind its schedule;
the load. The same clock on one machine: no skew between the processes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import monitor_scale as ms  # noqa: E402

TS = re.compile(rb'"ts":[0-9.e+-]+')
TICK = 0.01  # the driver writes a pipeline of events every TICK seconds


def spec_of(accounts: int, max_move: str) -> Any:
    from solvent.models import perp_isolated

    return perp_isolated.build(
        name="venue", accounts=accounts, initial_margin="0.10",
        maintenance_margin="0.08", max_move=max_move,
    )  # fmt: skip


def quantiles(xs: list[float]) -> dict[str, float | None]:
    """p50, p99 and max in milliseconds (None without values)."""
    if not xs:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    ys = sorted(xs)
    at = lambda q: 1e3 * ys[min(len(ys) - 1, int(q * len(ys)))]  # noqa: E731
    return {"p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": 1e3 * ys[-1]}


def ready(folder: str, name: str) -> None:
    Path(folder, "ready-" + name.replace("/", "-")).write_text("")


# ------------------------------------------------------------------ a monitor process
def monitor_worker(args: argparse.Namespace) -> None:
    """One ``solvent monitor`` (or a shard with ``--consumer``) over the live stream."""
    from solvent.monitor.core import Monitor, Options
    from solvent.monitor.runner import RunConfig, Summary, alerts
    from solvent.monitor.sources import RedisSource, StopWhen

    spec = spec_of(args.accounts, args.max_move)
    shard = None
    # idle for --idle seconds ends it once the driver wrote every event (not while the
    # other processes apply their set-ups)
    stop = StopWhen(idle=600.0)

    def end_when_produced() -> None:
        while not Path(args.folder, "produced").exists():
            time.sleep(0.05)
        stop.idle = args.idle

    threading.Thread(target=end_when_produced, daemon=True).start()
    if args.consumer:
        from solvent.monitor.shard import GroupSource, Shard

        m = Monitor(spec, ms.USED, Options(detector="none", distance="none"))
        src: Any = GroupSource(args.url, ms.STREAM, "live", args.consumer, routed=True, stop=stop)
        shard = Shard(src)
    else:
        m = Monitor(spec, ms.USED, Options(detector="none", distance="closed"))
        src = RedisSource(args.url, ms.STREAM, stop=stop)
    count, marks = 0, {"cpu0": 0.0, "cpu1": 0.0}
    batches = src.batches

    def counted() -> Any:
        nonlocal count
        for batch in batches():
            yield batch
            count += len(batch)
            if count >= args.setup and not marks["cpu0"]:  # its set-up is applied
                marks["cpu0"] = time.process_time()
                ready(args.folder, args.consumer or "single")
            if batch:
                marks["cpu1"] = time.process_time()

    src.batches = counted
    per_event = ms.timed_feed(m, lambda: marks["cpu0"])
    cfg = RunConfig(alerts=args.alerts, quarantine=None, checkpoint=args.checkpoint,
                    checkpoint_every=1_000_000, checkpoint_seconds=300.0)  # fmt: skip
    summary = Summary()
    lat: list[float] = []
    inv: list[float] = []  # the invariant's alerts
    kinds: dict[str, int] = {}
    for a in alerts(m, src, cfg, summary, shard=shard):
        now = time.time()  # the alert is written: the run loop yields it after the sink
        kinds[a.kind] = kinds.get(a.kind, 0) + 1
        if a.seq > args.setup_seq:
            lat.append(now - a.ts)
            if a.kind == "invariant":
                inv.append(now - a.ts)
    per_event.sort()
    print(json.dumps({
        "process": args.consumer or "single", "alerts": len(lat), "kinds": kinds,
        **quantiles(lat), "invariant": quantiles(inv),
        "cpu_seconds": marks["cpu1"] - marks["cpu0"], "lines": count,
        "p99_event_ms": 1e3 * per_event[int(0.99 * (len(per_event) - 1))] if per_event else None,
        "max_event_ms": 1e3 * per_event[-1] if per_event else None,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "load": ms.load(),
    }))  # fmt: skip


# ------------------------------------------------------------------ the aggregator
def aggregate_worker(args: argparse.Namespace) -> None:
    """``monitor-aggregate``'s loop over the shards' records; each alert timed once written."""
    import redis

    from solvent.monitor.aggregate import Aggregator, run_aggregate
    from solvent.monitor.core import Options

    agg = Aggregator(spec_of(args.accounts, args.max_move), ms.USED, int(args.shards), Options())
    marks = {"cpu0": 0.0, "cpu1": 0.0}
    drain = agg.drain

    def drain_then_tell() -> list[dict[str, Any]]:
        out = drain()
        if out or (marks["cpu0"] and agg.done is not None and agg.done > args.setup_seq):
            marks["cpu1"] = time.process_time()
        if not marks["cpu0"] and agg.done is not None and agg.done >= args.setup_seq:
            agg.sync()  # the set-up's deferred accounts into the book (not timed)
            marks["cpu0"] = time.process_time()
            ready(args.folder, "aggregator")
        return out

    agg.drain = drain_then_tell  # type: ignore[method-assign]
    lat: list[float] = []
    kinds: dict[str, int] = {}
    try:
        from solvent.monitor.alerts import json_default
    except ImportError:  # (main before round 23: the state is in the alert)
        json_default = str  # type: ignore[assignment]
    with open(args.alerts, "w", encoding="utf-8") as sink:

        def write(doc: dict[str, Any]) -> None:
            sink.write(json.dumps(doc, default=json_default) + "\n")
            sink.flush()
            if doc["kind"] == "report":  # an invariant alert's whole-state report
                return
            kinds[doc["kind"]] = kinds.get(doc["kind"], 0) + 1
            if doc["seq"] > args.setup_seq:
                lat.append(time.time() - doc["ts"])

        client = redis.Redis.from_url(args.url)
        run_aggregate(agg, client, ms.STREAM, write=write, idle_exit=args.idle + 3.0)
    print(json.dumps({
        "process": "aggregator", "alerts": len(lat), "kinds": kinds, **quantiles(lat),
        "cpu_seconds": marks["cpu1"] - marks["cpu0"], "lines": agg.done,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "load": ms.load(),
    }))  # fmt: skip


# ------------------------------------------------------------------ the driver
def stamped(lines: list[bytes], now: float) -> list[bytes]:
    """``lines`` with their ``ts`` the wall clock ``now`` (the time they are written)."""
    ts = b'"ts":%.6f' % now
    return [TS.sub(ts, line, count=1) for line in lines]


def produce(client: Any, router: Any, lines: list[bytes], rate: float) -> dict[str, float]:
    """Write ``lines`` at ``rate`` a second, a pipeline every :data:`TICK` seconds, each
    stamped when written; how far behind its schedule the driver fell (seconds)."""
    per = max(1, round(rate * TICK))
    start, lag = time.perf_counter(), 0.0
    for k, i in enumerate(range(0, len(lines), per)):
        due = start + k * TICK
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        else:
            lag = max(lag, -wait)
        chunk = stamped(lines[i : i + per], time.time())
        if router is not None:
            router.send(chunk)
        else:
            pipe = client.pipeline(transaction=False)
            for line in chunk:
                pipe.xadd(ms.STREAM, {"event": line})
            pipe.execute()
    return {"seconds": time.perf_counter() - start, "max_lag_s": lag}


def run_config(args: argparse.Namespace, lines: list[bytes], setup: int, shards: int) -> Any:
    """One configuration on a fresh redis-server: the set-up, the processes, the events."""
    import redis

    from solvent.monitor.route import Router

    with tempfile.TemporaryDirectory() as tmp:
        proc, url = ms.start_redis(tmp)
        try:
            client = redis.Redis.from_url(url)
            router = Router(client, ms.STREAM, shards) if shards > 1 else None
            if router is not None:  # each shard's stream: its set-up's entries
                router.send(lines[:setup])
                setups = [client.xlen(x) for x in router.names]
            else:
                setups = [setup]
                pipe = client.pipeline(transaction=False)
                for line in lines[:setup]:
                    pipe.xadd(ms.STREAM, {"event": line})
                pipe.execute()
            base = [sys.executable, __file__, "--url", url, "--accounts", str(args.accounts),
                    "--setup-seq", str(setup), "--folder", tmp, "--max-move", args.max_move,
                    "--idle", str(args.idle)]  # fmt: skip
            if shards == 1:
                cmds = [
                    base
                    + [
                        "--worker",
                        "--setup",
                        str(setup),
                        "--alerts",
                        os.path.join(tmp, "single.jsonl"),
                    ]
                ]
            else:
                cmds = [base + ["--worker", "--consumer", f"{k}/{shards}", "--setup", str(setups[k]),
                                "--checkpoint", os.path.join(tmp, f"s{k}.ckpt"),
                                "--alerts", os.path.join(tmp, f"s{k}.jsonl")]
                        for k in range(shards)]  # fmt: skip
                cmds.append(base + ["--aggregator", "--shards", str(shards),
                                    "--alerts", os.path.join(tmp, "agg.jsonl")])  # fmt: skip
            load_before = ms.load()
            procs = [subprocess.Popen(c, stdout=subprocess.PIPE) for c in cmds]
            while len(list(Path(tmp).glob("ready-*"))) < len(procs):
                if any(p.poll() is not None for p in procs):
                    raise SystemExit("a process ended before its set-up was applied")
                time.sleep(0.01)
            time.sleep(args.settle)  # (the run loops' idle flush, as a live venue would)
            r0 = ms.cpu_of(proc.pid)
            producer = produce(client, router, lines[setup:], args.rate)
            Path(tmp, "produced").write_text("")
            out = [json.loads(p.communicate()[0].decode().strip().splitlines()[-1]) for p in procs]
            return {"shards": shards, "rate": args.rate, "events": len(lines) - setup,
                    "producer": producer, "redis_cpu_seconds": ms.cpu_of(proc.pid) - r0,
                    "load_before": load_before, "processes": out}  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(10)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--rate", type=float, default=5_000.0, help="timed events a second")
    ap.add_argument("--shards", default="1,2")
    ap.add_argument("--gap-every", type=int, default=10, help="every N-th price gaps down")
    ap.add_argument("--gap", type=float, default=0.06, help="the gap, a fraction")
    ap.add_argument("--below-zero", action="store_true",
                    help="gaps of 12%%: accounts below zero equity, the invariant's alert")  # fmt: skip
    ap.add_argument("--max-move", default="0.045", help="the spec's envelope per step")
    ap.add_argument("--settle", type=float, default=0.0,
                    help="seconds between the set-ups applied and the first event")  # fmt: skip
    ap.add_argument("--idle", type=float, default=2.0, help="(processes) end after idle s")
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--aggregator", action="store_true")
    ap.add_argument("--url")
    ap.add_argument("--setup", type=int, default=0, help="(worker) its stream's set-up lines")
    ap.add_argument("--setup-seq", type=int, default=0, help="the venue's last set-up seq")
    ap.add_argument("--folder")
    ap.add_argument("--consumer")
    ap.add_argument("--checkpoint")
    ap.add_argument("--alerts")
    args = ap.parse_args()
    if args.worker:
        monitor_worker(args)
        return 0
    if args.aggregator:
        aggregate_worker(args)
        return 0
    gap = 0.12 if args.below_zero else args.gap
    lines, setup = ms.venue(args.accounts, args.events, gap_every=args.gap_every, gap=gap)
    for k in (int(x) for x in args.shards.split(",")):
        print(json.dumps(run_config(args, lines, setup, k)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
