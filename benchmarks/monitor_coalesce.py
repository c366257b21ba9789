"""What coalescing the shards' account records per batch would save the aggregator (issue 21).

    python benchmarks/monitor_coalesce.py [--accounts 100000] [--events 20000] [--batch 2000]

The venue of ``benchmarks/monitor_scale.py`` split over 2 in-process shards (the records a
shard process publishes, with its deficits at the probes), then ``monitor-aggregate``'s
merge without Redis, twice on the same records:

* ``every``: every record, as the shards send them today (one per account change);
* ``coalesced``: in each shard's batch of ``--batch`` records (a shard sends one entry per
  batch it read, up to 2,048 records), between two shared events (price, fund), only the
  last record of each account, at that record's place: what the aggregator would get if
  shards published each account's net change per batch instead of every change;
* ``across_prices``: the same over the whole batch, shared events or not (an upper bound
  of the saving: the aggregator's probe sums are then wrong between the prices, as the
  shards' vectors at a price already hold changes it gets later; only the cost and the
  final distance are meaningful).

Reported for each: the records, the account records, the aggregator's CPU over the timed
part (after the set-up) and, of it, the catch-up of its book (``ProbeSums.sync``: the
per-account ``PerpBook.set_account``), the venue-wide distance at the end (both must be
equal: the same final state) and the distance and invariant alerts (the coalesced run
can miss a level that held only inside a batch, and names a later ``seq``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import monitor_scale as ms  # noqa: E402

SHARED = ("price", "insurance", "state")


def coalesce(
    records: list[dict[str, Any]], batch: int, across: bool = False
) -> list[dict[str, Any]]:
    """Per batch of ``batch`` records, between shared events (``across``: over them too),
    each account's last record."""
    out: list[dict[str, Any]] = []
    for i in range(0, len(records), batch):
        run: dict[int, dict[str, Any]] = {}  # account -> its last record in this run
        for r in records[i : i + batch]:
            if "account" in r and not r.get("alerts"):
                run.pop(r["account"], None)
                run[r["account"]] = r
                continue
            if across:  # kept in seq order with the accounts' last records (below)
                run[-r["seq"]] = r
                continue
            out += sorted(run.values(), key=lambda x: x["seq"])  # the run before it
            run = {}
            out.append(r)
        out += sorted(run.values(), key=lambda x: x["seq"])
    return out


def aggregate(spec: Any, recs: list[list[dict[str, Any]]], setup: int) -> dict[str, Any]:
    from solvent.monitor.aggregate import COMBINED, Aggregator
    from solvent.monitor.core import Options

    agg, rest = ms.aggregator_after_setup(
        Aggregator(spec, ms.USED, len(recs), Options()), recs, setup
    )
    fast = agg.fast
    sync, spent = fast.sync, [0.0, 0]

    def timed_sync(limit: int | None = None) -> None:
        c, n = time.process_time(), len(fast.pending)
        sync(limit)
        spent[0] += time.process_time() - c
        spent[1] += n - len(fast.pending)

    fast.sync = timed_sync  # type: ignore[method-assign]
    alerts: list[dict[str, Any]] = []
    cpu = time.process_time()
    for i in range(0, max(len(q) for q in rest), 2000):
        for k, q in enumerate(rest):
            for r in q[i : i + 2000]:
                agg.add(k, r)
        alerts += agg.drain()
    for k in range(len(recs)):
        agg.add(k, {"mark": 1 << 62})
    alerts += agg.drain()
    agg.sync()  # the catch-up once at the end (counted: the book must hold every change)
    cpu = time.process_time() - cpu
    m = agg.monitor
    assert m.book is not None
    combined = sorted(
        (a["kind"], a["name"], a["severity"], str(a["details"].get("distance")))
        for a in alerts
        if a["kind"] in COMBINED
    )
    return {
        "records": sum(map(len, rest)),
        "account_records": sum(1 for q in rest for r in q if "account" in r),
        "cpu_seconds": cpu,
        "sync_cpu_seconds": spent[0],
        "book_updates": spent[1],
        "distance": str(m.book.distance(m.price()).value),
        "combined_alerts": combined,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=2000)
    args = ap.parse_args()
    from solvent.models import perp_isolated

    lines, setup = ms.venue(args.accounts, args.events)
    spec = perp_isolated.build(
        name="venue", accounts=args.accounts, initial_margin="0.10",
        maintenance_margin="0.08", max_move="0.08",
    )  # fmt: skip
    recs = ms.shard_records(spec, lines, 2)
    every = aggregate(spec, recs, setup)
    fewer = aggregate(spec, [coalesce(q, args.batch) for q in recs], setup)
    across = aggregate(spec, [coalesce(q, args.batch, True) for q in recs], setup)
    out: dict[str, Any] = {"load_end": ms.load()}
    for name, r in (("every", every), ("coalesced", fewer), ("across_prices", across)):
        out[name] = {k: v for k, v in r.items() if k != "combined_alerts"}
        out[name]["combined_alerts"] = len(r["combined_alerts"])
    out["same_distance"] = every["distance"] == fewer["distance"]
    out["same_combined_alerts"] = every["combined_alerts"] == fewer["combined_alerts"]
    out["cpu_ratio"] = fewer["cpu_seconds"] / every["cpu_seconds"]
    out["cpu_ratio_across"] = across["cpu_seconds"] / every["cpu_seconds"]
    out["same_distance_across"] = every["distance"] == across["distance"]
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
