"""Throughput and latency of `solvent monitor` (in-process, events pre-encoded in memory).

    python benchmarks/monitor_bench.py [--quick] [--out benchmarks/results/monitor_bench.md]

Loads (all seeded, deterministic):

* **price stream**: price events within +-0.5% of 2,000, with a +-9% gap every 1,000
  events (undone by the next event), so the envelope check breaches and alerts now and
  then, after account events that open a position for every account (isolated perp,
  ``examples/correct/perp_isolated.py`` parameters: maintenance margin 8%, max move 8%;
  leverage 2-5x, longs and shorts).
* **account stream**: every event changes one account's quote and size (a trade), the
  price moves every 10th event; measures the distance-to-insolvency upkeep.

Configurations (each timed on the same events):

* ``envelope``: envelope (move, keeper liveness) only, no invariants or distance
  (``--distance none``, invariants skipped), the 50,000 events/s target;
* ``envelope+invariants``: plus the spec's invariant (closed form, audited by the spec every
  1,000 events);
* ``exact invariants``: the invariants evaluated by the spec itself on every event (the
  baseline the closed form is compared with);
* ``full``: envelope, invariants, distance (closed form) and the zscore detector.

The event-to-alert latency is measured through ``solvent.monitor.runner.run`` on a file
source (read, decode, check, write the alert line), over the events that raised one.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))


def _line(**e: Any) -> bytes:
    import json

    return json.dumps({"schema": "solvent-event/1", **e}, separators=(",", ":")).encode()


def accounts_setup(n: int, seed: int, price: float = 2000.0) -> list[bytes]:
    rng = random.Random(seed)
    out = [
        _line(type="price", ts=0, seq=1, price=f"{price:.2f}"),
        _line(type="insurance", ts=0, seq=2, balance="100000"),
    ]
    for a in range(n):
        out.append(_account(rng, a, 3 + a, 0.0, price))
    return out


def _account(rng: random.Random, a: int, seq: int, ts: float, price: float) -> bytes:
    """A position of 2-5x leverage, long or short: liquidatable only after a gap of 12% or more."""
    lev = rng.uniform(2, 5)
    size = round(rng.uniform(0.5, 5.0), 3) * rng.choice((1, -1))
    quote = -size * price + abs(size) * price / lev
    return _line(
        type="account", ts=ts, seq=seq, account=a, set={"quote": f"{quote:.4f}", "size": f"{size}"}
    )


def price_stream(count: int, seed: int, seq0: int, price: float = 2000.0) -> list[bytes]:
    """Prices within +-0.5% of ``price``; every 1,000th event a +-9% gap, undone at once."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        p = price * (1 + rng.uniform(-0.005, 0.005))
        if i % 1000 == 999:
            p = price * (1.09 if rng.random() < 0.5 else 0.91)
        out.append(_line(type="price", ts=1 + i * 0.01, seq=seq0 + i, price=f"{p:.2f}"))
    return out


def account_stream(count: int, n: int, seed: int, seq0: int, price: float = 2000.0) -> list[bytes]:
    """One account changes per event (a new position); every 10th event is a price update."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        ts = 1 + i * 0.01
        if i % 10 == 9:
            out.append(
                _line(
                    type="price",
                    ts=ts,
                    seq=seq0 + i,
                    price=f"{price * (1 + rng.uniform(-0.005, 0.005)):.2f}",
                )
            )
        else:
            out.append(_account(rng, rng.randrange(n), seq0 + i, ts, price))
    return out


def make_monitor(n: int, config: str) -> Any:
    from solvent.models import perp_isolated
    from solvent.monitor.core import Monitor, Options

    spec = perp_isolated.build(accounts=n, maintenance_margin="0.08", max_move="0.08")
    used = ["envelope.move.hi", "envelope.move.lo", "hyp.healthy", "keeper.liquidate.every_step"]
    opts = {
        "envelope": Options(detector="none", distance="none"),
        "envelope+invariants": Options(detector="none", distance="none"),
        "exact invariants": Options(detector="none", distance="none", exact_invariants=True),
        "full": Options(detector="zscore", distance="closed"),
        "distance": Options(detector="none", distance="closed"),
        "no distance": Options(detector="none", distance="none"),
    }[config]
    m = Monitor(spec, used, opts)
    if config == "envelope":
        m._invariants = lambda *a, **k: None  # type: ignore[method-assign]  # envelope checks only
    return m


def timed(m: Any, setup: list[bytes], events: list[bytes]) -> tuple[float, int]:
    for raw in setup:
        m.feed(raw)
    feed = m.feed
    alerts = 0
    t0 = time.perf_counter()
    for raw in events:
        alerts += len(feed(raw)[0])
    return time.perf_counter() - t0, alerts


def latency(n: int, events: list[bytes], setup: list[bytes]) -> tuple[float, float, int]:
    from solvent.monitor.runner import RunConfig, run
    from solvent.monitor.sources import FileSource

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "e.jsonl")
        with open(path, "wb") as fh:
            fh.write(b"\n".join(setup + events) + b"\n")
        m = make_monitor(n, "full")
        s = run(
            m, FileSource(path), RunConfig(alerts=os.path.join(tmp, "a.jsonl"), quarantine=None)
        )
        return s.percentile(0.5) or 0.0, s.percentile(0.99) or 0.0, len(s.latencies)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer events (a smoke run)")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "monitor_bench.md"))
    args = ap.parse_args()
    k = 10 if args.quick else 1
    load = os.getloadavg()[0]
    rows = []
    for n in (3, 1000):
        setup = accounts_setup(n, seed=n)
        for config, count in (
            ("envelope", 200_000),
            ("envelope+invariants", 200_000),
            ("full", 100_000),
            ("exact invariants", 20_000 if n == 3 else 300),
        ):
            events = price_stream(count // k, seed=7, seq0=len(setup) + 1)
            m = make_monitor(n, config)
            secs, alerts = timed(m, setup, events)
            rows.append((n, config, "price", len(events), secs, alerts))
            print(
                f"{n:5d} {config:22s} {len(events) / secs:12,.0f} events/s ({alerts} alerts)",
                flush=True,
            )
        for config, count in (
            ("distance", 20_000 if n == 1000 else 50_000),
            ("no distance", 20_000 if n == 1000 else 50_000),
        ):
            events = account_stream(count // k, n, seed=11, seq0=len(setup) + 1)
            m = make_monitor(n, config)
            secs, alerts = timed(m, setup, events)
            rows.append((n, f"account changes, {config}", "account", len(events), secs, alerts))
            print(
                f"{n:5d} {config:22s} {len(events) / secs:12,.0f} account-stream events/s",
                flush=True,
            )
    lat = {}
    for n in (3, 1000):
        setup = accounts_setup(n, seed=n)
        lat[n] = latency(n, price_stream(50_000 // k, seed=7, seq0=len(setup) + 1), setup)
    # distance solver (Z3) for comparison, 3 accounts
    from solvent.monitor.solver_distance import SolverDistance

    m = make_monitor(3, "distance")
    for raw in accounts_setup(3, seed=3):
        m.feed(raw)
    sd = SolverDistance(m.spec, "move")
    t0 = time.perf_counter()
    calls = 5
    for _ in range(calls):
        value, _ = sd.distance(m)
    solver_secs = (time.perf_counter() - t0) / calls
    closed = m.book.distance(m.price()).value
    lines = [
        "# `solvent monitor` throughput and latency",
        "",
        f"Command: `python benchmarks/monitor_bench.py{' --quick' if args.quick else ''}` "
        f"(run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; Python {platform.python_version()} on "
        f"{platform.machine()}, {os.cpu_count()} cores shared with other agents; load average at start "
        f"{load:.1f}, so absolute numbers are pessimistic; ratios are from the same run).",
        "",
        "Events are pre-encoded JSON lines fed to `Monitor.feed` in one process (decode, validate, "
        "sequence, check); see the script's docstring for the loads. Isolated perp, maintenance 8%, "
        "envelope +-8% per update.",
        "",
        "| accounts | configuration | stream | events | seconds | events/s | alerts |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n, config, stream, count, secs, alerts in rows:
        lines.append(
            f"| {n} | {config} | {stream} | {count:,} | {secs:.2f} | {count / secs:,.0f} | {alerts} |"
        )
    base = {(n, c): cnt / s for n, c, _, cnt, s, _ in rows}
    lines += [
        "",
        "Ratios (same run): closed-form invariants vs the spec evaluated on every event: "
        f"{base[(3, 'envelope+invariants')] / base[(3, 'exact invariants')]:,.0f}x at 3 accounts, "
        f"{base[(1000, 'envelope+invariants')] / base[(1000, 'exact invariants')]:,.0f}x at 1,000 accounts.",
    ]
    env3, env1k = base[(3, "envelope")], base[(1000, "envelope")]
    d1k = base[(1000, "account changes, distance")]
    nd1k = base[(1000, "account changes, no distance")]
    lines += [
        "",
        "## Against the targets",
        "",
        f"- Envelope checks on price events, target >= 50,000 events/s: {env3:,.0f} (3 accounts) and "
        f"{env1k:,.0f} (1,000 accounts) events/s; with the invariants too: "
        f"{base[(3, 'envelope+invariants')]:,.0f} and {base[(1000, 'envelope+invariants')]:,.0f} events/s.",
        f"- Distance to insolvency kept exact after every account change at 1,000 accounts: {d1k:,.0f} "
        f"account-stream events/s ({nd1k:,.0f} without it), i.e. the monitor keeps up with about "
        f"{0.9 * d1k:,.0f} position changes per second. Its cost is a walk over the accounts whose "
        "bankruptcy price lies between the price and the first price at which bad debt exceeds the fund "
        "(16 steps, then a binary search over cumulative sums built in C), so it is largest when the "
        "fund is large against the book, as here (a fund of 100,000 against positions of about 2,000 to "
        "10,000 each). A price event costs O(1) for the distance (the safe price interval is cached).",
        "- The closed-form invariant check is what makes 1,000 accounts affordable: evaluating the spec's "
        "invariant itself on every event costs O(accounts) (see `exact invariants`).",
        "",
        "## Event-to-alert latency",
        "",
        "Through `runner.run` on a file source with every check on (`full`), from the moment a line is "
        "read to the moment its alert line is written:",
        "",
        "| accounts | alerts | p50 | p99 |",
        "| --- | --- | --- | --- |",
    ]
    for n, (p50, p99, count) in lat.items():
        lines.append(f"| {n} | {count} | {p50 * 1e3:.3f} ms | {p99 * 1e3:.3f} ms |")
    lines += [
        "",
        "## Distance to insolvency: closed form vs Z3",
        "",
        f"3 accounts, one state: the Z3 fallback (`--distance solver`) takes {solver_secs * 1e3:.0f} ms per "
        f"update (two `Optimize` calls) and returns {value} (~{float(value):.3g}); the closed form returns "
        f"{closed} (equal: the model's liquidation fee is 0 on an account already under water). The gap is "
        "large because the fund (100,000) dwarfs the three positions.",
        "",
    ]
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
